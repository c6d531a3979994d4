"""PostgreSQL read sessions: statements on their own, read-only; a locking
read holds its locks (``models.db.READ_AUTOCOMMIT``, ``Database.locking_read``).

Issue 12: a window request's read sessions spent four of its seven round
trips on BEGIN and ROLLBACK. Reads now run in autocommit, which at READ
COMMITTED sees what a transaction's statements would; the two things a
transaction did give are kept where they matter: a stray write fails, and
a read under a row lock (emailFamilies plans under its edit lease) holds it
until the session closes. PostgreSQL mode only (SQLite reads keep their
transaction, and SQLite has no row locks).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from models.db import Database

pytestmark = pytest.mark.needs_postgres


async def test_a_write_sent_on_a_read_session_fails_and_commits_nothing(
    database_url: str,
) -> None:
    database = Database(database_url, pool_size=2)
    try:
        async with database.write() as session:
            await session.execute(text("CREATE TABLE IF NOT EXISTS read_only_probe (n int)"))
        try:
            # a read session runs its statements without a transaction, but
            # read-only: a write is refused, not committed
            with pytest.raises(DBAPIError, match="read-only transaction"):
                async with database.read() as session:
                    await session.execute(text("INSERT INTO read_only_probe VALUES (1)"))
            async with database.read() as session:
                rows = await session.execute(text("SELECT count(*) FROM read_only_probe"))
                assert rows.scalar_one() == 0
        finally:
            async with database.write() as session:
                await session.execute(text("DROP TABLE read_only_probe"))
    finally:
        await database.dispose()


async def test_a_locking_read_holds_its_row_lock_until_it_closes(database_url: str) -> None:
    database = Database(database_url, pool_size=2)
    other = create_async_engine(database_url)
    try:
        async with database.write() as session:
            await session.execute(text("CREATE TABLE IF NOT EXISTS lock_probe (n int)"))
            await session.execute(text("INSERT INTO lock_probe VALUES (1)"))
        try:
            async with database.locking_read() as session:
                # given a row read FOR SHARE, then another statement after it
                await session.execute(text("SELECT n FROM lock_probe FOR SHARE"))
                await session.execute(text("SELECT 1"))
                # then another client still cannot take it for update
                async with other.connect() as connection:
                    with pytest.raises(DBAPIError, match="could not obtain lock"):
                        await connection.execute(text("SELECT n FROM lock_probe FOR UPDATE NOWAIT"))
            # and once the locking read is closed, it can
            async with other.connect() as connection:
                await connection.execute(text("SELECT n FROM lock_probe FOR UPDATE NOWAIT"))
        finally:
            async with database.write() as session:
                await session.execute(text("DROP TABLE lock_probe"))
    finally:
        await other.dispose()
        await database.dispose()
