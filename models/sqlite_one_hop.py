"""One hop to aiosqlite's thread per SQLite statement, not four.

Issue 12 names "aiosqlite's thread hop per statement" among the window's
costs. aiosqlite runs each call on its connection's own thread, and
SQLAlchemy's adapter makes four of them a statement: one to make the
cursor, one to execute, one to fetch the rows, one to close the cursor.
Each is a queue put, a thread wake-up, a wake-up of the event loop through
its self-pipe and a loop turn: a window request on SQLite made 17 of them
for its 4-5 statements, and its main thread spent ~1.5 ms of a ~7 ms request
waiting on them (cProfile, in-process).

Here the cursor is made, the statement run and its rows fetched in one call
on that thread, and closing the cursor is queued without waiting for it.
The statement still never runs on the event loop's thread, so a slow query
or a lock wait blocks nothing else. Server-side cursors (``stream_results``)
keep SQLAlchemy's own adapter: their rows are fetched as they are read.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

T = TypeVar("T")


class _LazyCursor:
    """The sqlite3 cursor, made on aiosqlite's thread by the first statement."""

    __slots__ = ("_closed", "_connection", "raw")

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection
        self._closed = False
        self.raw: sqlite3.Cursor | None = None

    @property
    def description(self) -> Any:
        return None if self.raw is None else self.raw.description

    @property
    def rowcount(self) -> int:
        return -1 if self.raw is None else self.raw.rowcount

    @property
    def lastrowid(self) -> int | None:
        return None if self.raw is None else self.raw.lastrowid

    @property
    def arraysize(self) -> int:
        return 1 if self.raw is None else self.raw.arraysize

    async def close(self) -> None:
        """Queued on the connection's thread, after what is queued there;
        nobody waits for it. What was read (``lastrowid``, ``rowcount``)
        stays readable, as on a closed sqlite3 cursor."""
        raw = self.raw
        if raw is None or self._closed:
            return
        self._closed = True
        if self._connection._connection is not None:
            self._connection._tx.put_nowait((None, raw.close))


async def _on_its_thread(connection: aiosqlite.Connection, call: Callable[[], T]) -> T:
    """``call()`` on the connection's thread, as each of aiosqlite's calls runs."""
    run: Any = connection._execute  # untyped in aiosqlite
    done: T = await run(call)
    return done


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, with a statement and its rows in one call."""

    __slots__ = ()

    def _make_new_cursor(self, connection: Any) -> Any:
        return _LazyCursor(connection)

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        lazy: _LazyCursor = self._cursor  # type: ignore[assignment]
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        made = lazy.raw

        def run() -> tuple[sqlite3.Cursor, list[Any] | None]:
            cursor = made if made is not None else connection._conn.cursor()
            if parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            return cursor, (cursor.fetchall() if cursor.description else None)

        async with self._adapt_connection._execute_mutex:
            cursor, rows = await _on_its_thread(connection, run)
            lazy.raw = cursor
            if rows is not None:
                self._rows = collections.deque(rows)
            return None

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        lazy: _LazyCursor = self._cursor  # type: ignore[assignment]
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        made = lazy.raw

        def run() -> sqlite3.Cursor:
            cursor = made if made is not None else connection._conn.cursor()
            cursor.executemany(operation, seq_of_parameters)
            return cursor

        async with self._adapt_connection._execute_mutex:
            lazy.raw = await _on_its_thread(connection, run)
            return None


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()

    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, with ``OneHopCursor``s
    (``create_async_engine(..., module=one_hop_dbapi())``)."""

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDBAPI:
    return OneHopDBAPI(aiosqlite, sqlite3)
