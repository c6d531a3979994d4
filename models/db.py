"""Engines and sessions for both databases.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every
write transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that
later upgrades to a write lock fails with SQLITE_BUSY even with a timeout
(STACK_NOTES). Reads use deferred transactions so they never block writers.

Under overload (issue 10: "a write keeps a bounded latency") writes have a
pool of their own, live work (replays, badge recounts) a bounded share of
the reads' (``live_read``), and nothing waits without limit: a write that
cannot get a connection or a lock within ``write_wait`` seconds, or any
statement running past ``statement_timeout`` (PostgreSQL; SQLite's busy
timeout is its lock wait), raises ``DatabaseBusy``, which the API answers
with 503 and ``Retry-After`` (``schema.unavailable``) instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from models.sqlite_one_hop import one_hop_dbapi

BEFORE_COMMIT = "online_activity.before_commit"
"""``session.info`` key: async callables ``write()`` awaits, in order, just
before it commits (``domain.sequencing`` takes the sequence numbers there)."""


PING_AFTER_IDLE = 1.0
"""Seconds a pooled PostgreSQL connection may sit idle and still be handed
out without a ping (issue 12: ``pool_pre_ping`` cost every checkout three
round trips, BEGIN, ``;`` and ROLLBACK, and 3 % of a loaded server's samples).

A connection the server ended (a restart, ``pg_terminate_backend``,
``idle_session_timeout``) needs no ping: PostgreSQL says so before it hangs
up, and asyncpg marks the connection closed as soon as it reads that. The
ping is for what the driver cannot see, a connection gone silent (a proxy or
firewall dropping idle sockets, a host lost without a word), and that takes
idleness: a connection back in the pool within a second was answering a
moment ago. Under load every connection comes back within milliseconds and
is never pinged; after a pause of a second or more, the ping's round trips
are not noticed."""

READ_AUTOCOMMIT = True
"""PostgreSQL read sessions send their statements without BEGIN and ROLLBACK
(issue 12: two of a window request's seven round trips were its read
session's BEGIN and ROLLBACK, two more the token read's).

Nothing is lost: a read session never writes and never commits, and at READ
COMMITTED, the isolation PostgreSQL gives these sessions, each statement of
a transaction takes its own snapshot anyway, exactly as a statement on its
own does. Reads are read-only (``default_transaction_read_only``), so a
write sent on a read session by mistake fails instead of committing. SQLite
reads keep their transaction: there it is what gives a request's reads one
snapshot (``schema.context.RequestReads``)."""

_CHECKED_IN = "online_activity.checked_in"
"""Connection record ``info`` key: ``time.monotonic()`` of its last checkin
(``info`` goes with the DBAPI connection: a replacement starts without it)."""


# SQLSTATEs of a wait cut short: lock_not_available (lock_timeout),
# query_canceled (statement_timeout).
_BUSY_STATES = frozenset({"55P03", "57014"})


class DatabaseBusy(Exception):
    """The database could not serve this in time (a full pool, a lock held
    too long, a statement past its timeout): nothing was committed; the
    client may retry after ``retry_after`` seconds."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _sqlstate(error: BaseException) -> str | None:
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        orig = getattr(candidate, "orig", candidate)
        for source in (orig, getattr(orig, "__cause__", None)):
            state = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
            if isinstance(state, str):
                return state
    return None


def busy_reason(error: BaseException) -> str | None:
    """Why ``error`` means "the database is busy", or None if it means something else."""
    if isinstance(error, sa_exc.TimeoutError):
        return "no database connection free in time"
    if isinstance(error, sa_exc.DBAPIError):
        state = _sqlstate(error)
        if state == "55P03":
            return "a lock was held too long"
        if state == "57014":
            return "a statement ran past its timeout"
        if "database is locked" in str(error.orig):
            return "the database was locked too long"
    return None


def _sqlite_engine(
    url: str, *, immediate: bool, busy_seconds: float = 30.0, pool_timeout: float = 30.0
) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A pool, never a shared connection: each session checks out its own
    # connection, so transactions of concurrent coroutines stay apart, and a
    # request does not pay for a new connection (and aiosqlite thread) per
    # session. ``:memory:`` keeps NullPool: each connection is its own database.
    pooled = bool(database and database != ":memory:")
    # hide_parameters: a driver error's text (logged) never carries bound values.
    engine = (
        create_async_engine(
            url,
            pool_size=5,
            max_overflow=10,
            pool_pre_ping=False,
            pool_timeout=pool_timeout,
            connect_args={"timeout": busy_seconds},
            hide_parameters=True,
            module=one_hop_dbapi(),  # models/sqlite_one_hop.py
        )
        if pooled
        else create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": busy_seconds},
            hide_parameters=True,
            module=one_hop_dbapi(),
        )
    )
    busy_ms = int(busy_seconds * 1000)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def connect_in_own_context(*args: Any, **kwargs: Any) -> asyncio.Task[Any]:
    """asyncpg's ``connect``, run in a context of its own.

    A connection's socket reader and its connect timeout are loop callbacks
    that keep the context they were scheduled in: the reader for the
    connection's life, the cancelled timeout until it would have fired (60
    s). Opened by whichever task first needed a connection, a pooled
    connection kept that task's context alive, and with it, in a
    subscription's run, its execution, its frame sink and its socket (issue
    12, memory per idle subscriber: found by ``tests/live/test_idle_socket_holdings.py``)."""
    import asyncpg  # type: ignore[import-untyped]  # only where PostgreSQL is used

    return asyncio.get_running_loop().create_task(
        asyncpg.connect(*args, **kwargs), context=contextvars.Context()
    )


def _postgresql_engine(
    url: str,
    *,
    pool_size: int,
    overflow: int,
    pool_timeout: float,
    settings: dict[str, str],
    ping_after_idle: float,
    autocommit: bool = False,
) -> AsyncEngine:
    engine = create_async_engine(
        url,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
        pool_size=pool_size,
        max_overflow=overflow,
        pool_timeout=pool_timeout,
        # Not on every checkout: only when it can matter (``_on_checkout``).
        pool_pre_ping=False,
        connect_args={
            "async_creator_fn": connect_in_own_context,
            **({"server_settings": settings} if settings else {}),
        },
        # A driver error's text goes to the log: never with the bound values
        # (a family's payload, notes, addresses), only the statement.
        hide_parameters=True,
    )
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # SQLAlchemy's recipe for pessimistic disconnect handling: a
        # DisconnectionError here makes the pool replace the connection and
        # check out again, so the session never sees the stale one.
        if dbapi_connection.driver_connection.is_closed():
            # Only this one: a connection ended on its own (a timeout, a
            # terminated backend) says nothing of the others, and after a
            # restart each of them is found closed here in turn, unpinged.
            raise sa_exc.DisconnectionError("the server closed this pooled connection")
        # A new connection has no checkin time: it was just made.
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < ping_after_idle:
            return
        try:
            # The dialect's own ping, as pool_pre_ping does; the pool runs
            # this event inside the async engine's greenlet, so the adapted
            # connection can await the driver here.
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            # As a failed pre-ping: a silent connection means the others of
            # its time are suspect too; each is replaced at its next checkout.
            raise sa_exc.InvalidatePoolError(
                "a pooled connection did not answer its ping"
            ) from error

    return engine


def _ms(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))


class Database:
    """The application's database: a session for reading, one for writing.

    ``statement_timeout`` and ``write_wait`` (seconds) are off by default
    (migrations, the CLI); a server sets them from its settings.
    ``ping_after_idle`` (PostgreSQL) is ``PING_AFTER_IDLE`` but for tests.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        statement_timeout: float | None = None,
        write_wait: float | None = None,
        ping_after_idle: float = PING_AFTER_IDLE,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        wait = write_wait or 30.0
        self.retry_after = max(1, math.ceil(wait))
        if self.is_sqlite:
            self.read_engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(
                url, immediate=True, busy_seconds=wait, pool_timeout=wait
            )
        else:
            # Writes get connections of their own: live reads cannot take them.
            timeouts: dict[str, str] = {}
            if statement_timeout:
                timeouts["statement_timeout"] = _ms(statement_timeout)
            writes = dict(timeouts)
            # Reads run each statement on its own (``READ_AUTOCOMMIT``), read-only.
            reads = {**timeouts, "default_transaction_read_only": "on"}
            if write_wait:
                writes["lock_timeout"] = _ms(write_wait)
            half = max(1, pool_size // 2)
            self.read_engine = _postgresql_engine(
                url,
                pool_size=pool_size,
                overflow=half,
                pool_timeout=statement_timeout or 30.0,
                settings=reads,
                ping_after_idle=ping_after_idle,
                autocommit=READ_AUTOCOMMIT,
            )
            self.write_engine = _postgresql_engine(
                url,
                pool_size=half,
                overflow=half,
                pool_timeout=wait,
                settings=writes,
                ping_after_idle=ping_after_idle,
            )
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)
        # Live work's share of the read connections (issue 10: "live replays
        # and badge recounts a bounded one").
        self.live_share = max(1, pool_size // 2)
        self._live = asyncio.Semaphore(self.live_share)
        # Set while no write is in flight: live deliveries wait for it, a
        # little (``subscriptions.pacing``), so writes go first.
        self.writes_in_flight = 0
        self.writes_idle = asyncio.Event()
        self.writes_idle.set()
        # SQLite has one writer at a time, and a writer that finds the file
        # locked polls (``busy_timeout``: sleeps of up to 100 ms, first come
        # not first served), so under a burst of writes some wait their whole
        # ``write_wait`` and fail while others go. This process's writers
        # queue here instead, in order; the lock is only ever contended by
        # another process (the CLI, a migration), for which busy_timeout stays.
        self._write_turn = asyncio.Lock() if self.is_sqlite else None
        self._write_wait = wait

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries. It never commits; closing it ends the
        transaction without expiring what was loaded (a rollback would). On
        PostgreSQL its statements run on their own, read-only
        (``READ_AUTOCOMMIT``); a read that must hold row locks takes
        ``locking_read``."""
        async with self._session(self._reader) as session:
            yield session

    @asynccontextmanager
    async def locking_read(self) -> AsyncIterator[AsyncSession]:
        """A read whose row locks (``FOR SHARE``) hold until it closes: one
        transaction on a connection that may lock. A PostgreSQL read session
        cannot (``READ_AUTOCOMMIT``: each statement on its own, read-only), so
        there it is a write connection's session, closed without committing;
        on SQLite, whose reads are one transaction and take no row locks, a read."""
        async with self._session(self._reader if self.is_sqlite else self._writer) as session:
            yield session

    @asynccontextmanager
    async def _session(
        self, maker: async_sessionmaker[AsyncSession]
    ) -> AsyncIterator[AsyncSession]:
        """A session of ``maker``'s that never commits; a wait cut short is ``DatabaseBusy``."""
        try:
            async with maker() as session:
                yield session
        except Exception as error:
            self._raise_busy(error)
            raise

    @asynccontextmanager
    async def live_read(self) -> AsyncIterator[AsyncSession]:
        """A read for live work (a replay, a shared entry read, a badge
        recount): at most ``live_share`` at once, so requests and writes
        keep the rest of the pool however many subscribers catch up."""
        async with self._live, self.read() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits once when the block succeeds, else rolls back."""
        try:
            with self.writing():
                async with self._turn(), self._writer() as session, session.begin():
                    yield session
                    for hook in session.info.pop(BEFORE_COMMIT, ()):
                        await hook()
        except Exception as error:
            self._raise_busy(error)
            raise

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """This process's turn to write (SQLite; see ``__init__``), in order,
        within ``write_wait`` seconds or DatabaseBusy."""
        if self._write_turn is None:
            yield
            return
        try:
            async with asyncio.timeout(self._write_wait):
                await self._write_turn.acquire()
        except TimeoutError:
            raise DatabaseBusy("the database was locked too long", self.retry_after) from None
        try:
            yield
        finally:
            self._write_turn.release()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Count a write in flight (a unit of work, or a whole request known to
        write, such as a portal call): live deliveries let it go first."""
        self.writes_in_flight += 1
        self.writes_idle.clear()
        try:
            yield
        finally:
            self.writes_in_flight -= 1
            if not self.writes_in_flight:
                self.writes_idle.set()

    def _raise_busy(self, error: Exception) -> None:
        reason = busy_reason(error)
        if reason is not None:
            raise DatabaseBusy(reason, self.retry_after) from error

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()
