"""A pooled PostgreSQL connection is pinged only after it sat idle (``models.db``).

Issue 12: ``pool_pre_ping`` cost every checkout (each request's read, each
write) three round trips before its first statement. What it bought stays: a
connection the server ended, or one idle long enough to have gone silent, is
replaced before a session sees it. The pings are counted with asyncpg's query
logger, which sees what asyncpg sends outside prepared statements (BEGIN,
ROLLBACK and the ping's ``;``); connections are ended for real, by
``pg_terminate_backend`` from another client. (SQLite has no server to go
away: PostgreSQL mode only.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from models.db import Database

pytestmark = pytest.mark.needs_postgres

PING = ";"  # what the asyncpg dialect's ping sends (reads: on its own, in autocommit)
NEVER = 60.0  # seconds: a threshold no step of a test comes near


@asynccontextmanager
async def pool(url: str, ping_after_idle: float, pool_size: int = 1) -> AsyncIterator[Database]:
    database = Database(url, pool_size=pool_size, ping_after_idle=ping_after_idle)
    try:
        yield database
    finally:
        await database.dispose()


def sent_by(database: Database) -> list[str]:
    """Every query asyncpg sends outside a prepared statement, on the read
    pool's connections from now on (the logger runs soon after, not inside)."""
    sent: list[str] = []

    @event.listens_for(database.read_engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda q: sent.append(q.query))

    return sent


async def logged(sent: list[str]) -> list[str]:
    """``sent`` once the query logger's callbacks have run."""
    await asyncio.sleep(0.05)
    return sent


async def backend(session: AsyncSession) -> tuple[int, Any]:
    """The server process behind the session's connection, and asyncpg's connection."""
    pid: int = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    raw = await (await session.connection()).get_raw_connection()
    return pid, raw.driver_connection


async def read_pid(database: Database) -> int:
    async with database.read() as session:
        return (await backend(session))[0]


async def terminate(url: str, pid: int, driver_connection: Any) -> None:
    """End ``pid``'s backend, and wait until asyncpg has read that it is gone."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            ended = await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            assert ended.scalar_one()
    finally:
        await engine.dispose()
    deadline = time.monotonic() + 10
    while not driver_connection.is_closed():
        assert time.monotonic() < deadline, "asyncpg never saw its backend go"
        await asyncio.sleep(0.01)


async def test_a_connection_back_within_the_threshold_is_not_pinged(database_url: str) -> None:
    async with pool(database_url, NEVER) as database:
        sent = sent_by(database)
        # when one connection serves three reads in a row
        pids = {await read_pid(database) for _ in range(3)}
        # then it was one connection, and nothing went before or after the
        # reads' statements: no ping, and (reads in autocommit) no BEGIN or ROLLBACK
        assert len(pids) == 1
        assert await logged(sent) == []


async def test_a_connection_idle_past_the_threshold_is_pinged_once(database_url: str) -> None:
    async with pool(database_url, 0.5) as database:
        sent = sent_by(database)
        # given a connection back in the pool a moment ago (no ping) ...
        await read_pid(database)
        await read_pid(database)
        assert PING not in await logged(sent)
        # when it is checked out again after sitting idle past the threshold
        await asyncio.sleep(0.6)
        await read_pid(database)
        # then it was pinged before the read, once
        assert (await logged(sent)).count(PING) == 1


async def test_a_killed_connection_idle_past_the_threshold_is_replaced(database_url: str) -> None:
    async with pool(database_url, 0.2) as database:
        async with database.read() as session:
            pid, connection = await backend(session)
        # given its pooled connection ended by the server, then left idle
        await terminate(database_url, pid, connection)
        await asyncio.sleep(0.3)
        # then the next read is served, by a new connection
        assert await read_pid(database) != pid


async def test_a_killed_connection_back_within_the_threshold_is_replaced_unpinged(
    database_url: str,
) -> None:
    async with pool(database_url, NEVER) as database:
        sent = sent_by(database)
        async with database.read() as session:
            pid, connection = await backend(session)
        # given its pooled connection ended by the server a moment ago
        await terminate(database_url, pid, connection)
        # then the next read is served, by a new connection, without a ping:
        # asyncpg already knew the old one was closed
        assert await read_pid(database) != pid
        assert PING not in await logged(sent)


async def test_a_connection_lost_in_use_still_invalidates_the_pool(database_url: str) -> None:
    async with pool(database_url, NEVER, pool_size=2) as database:
        # given two pooled connections
        async with database.read() as first, database.read() as second:
            pooled = {(await backend(first))[0], (await backend(second))[0]}
        # when one's backend ends while a session holds it
        with pytest.raises(DBAPIError) as lost:
            async with database.read() as session:
                pid, connection = await backend(session)
                await terminate(database_url, pid, connection)
                await session.execute(text("SELECT 1"))
        # then SQLAlchemy took it for a disconnect, and replaced the whole
        # pool: the other connection too, though it was alive
        assert lost.value.connection_invalidated
        async with database.read() as first, database.read() as second:
            fresh = {(await backend(first))[0], (await backend(second))[0]}
        assert not fresh & pooled
