"""Engines and sessions for both databases.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every
write transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that
later upgrades to a write lock fails with SQLITE_BUSY even with a timeout
(STACK_NOTES). Reads use deferred transactions so they never block writers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_MS = 30_000

BEFORE_COMMIT = "online_activity.before_commit"
"""``session.info`` key: async callables ``write()`` awaits, in order, just
before it commits (``domain.sequencing`` takes the sequence numbers there)."""


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A pool, never a shared connection: each session checks out its own
    # connection, so transactions of concurrent coroutines stay apart, and a
    # request does not pay for a new connection (and aiosqlite thread) per
    # session. ``:memory:`` keeps NullPool: each connection is its own database.
    pooled = bool(database and database != ":memory:")
    engine = (
        create_async_engine(
            url, pool_size=5, max_overflow=10, pool_pre_ping=False, connect_args={"timeout": 30}
        )
        if pooled
        else create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The application's database: a session for reading, one for writing."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.read_engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(url, immediate=True)
        else:
            engine = create_async_engine(
                url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            self.read_engine = self.write_engine = engine
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries. It never commits; closing it ends the
        transaction without expiring what was loaded (a rollback would)."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits once when the block succeeds, else rolls back."""
        async with self._writer() as session, session.begin():
            yield session
            for hook in session.info.pop(BEFORE_COMMIT, ()):
                await hook()

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()
