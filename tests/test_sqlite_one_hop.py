"""SQLite statements take one hop to aiosqlite's thread and behave as before.

``models.sqlite_one_hop`` runs a statement and fetches its rows in one call
on the connection's thread. What SQLAlchemy reads back must not change:
rows, an empty result's columns, ``rowcount`` of an UPDATE, the id of an
INSERT, ``executemany``, the driver's errors, streamed results, and
transactions; and a read is one hop, not four.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import _sqlite_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncEngine:
    made = _sqlite_engine(f"sqlite+aiosqlite:///{tmp_path / 'hops.db'}", immediate=True)
    async with made.begin() as connection:
        await connection.execute(
            text("CREATE TABLE pupil (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        )
    return made


async def test_rows_columns_counts_and_ids_read_back_as_before(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO pupil (name) VALUES ('Ada')"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO pupil (name) VALUES (:name)"), [{"name": "Bo"}, {"name": "Cy"}]
        )
        updated = await connection.execute(text("UPDATE pupil SET name = name || '!'"))
        assert updated.rowcount == 3
        rows = (await connection.execute(text("SELECT id, name FROM pupil ORDER BY id"))).all()
        assert [tuple(row) for row in rows] == [(1, "Ada!"), (2, "Bo!"), (3, "Cy!")]
        empty = await connection.execute(text("SELECT id, name FROM pupil WHERE id < 0"))
        assert list(empty.keys()) == ["id", "name"] and empty.all() == []
        streamed = await connection.stream(text("SELECT name FROM pupil ORDER BY id"))
        assert [row[0] async for row in streamed] == ["Ada!", "Bo!", "Cy!"]
    await engine.dispose()


async def test_a_driver_error_is_raised_and_rolls_back(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO pupil (name) VALUES ('Ada')"))
            await connection.execute(text("INSERT INTO pupil (name) VALUES ('Ada')"))
    async with engine.connect() as connection:
        count = (await connection.execute(text("SELECT count(*) FROM pupil"))).scalar_one()
    assert count == 0
    await engine.dispose()


async def test_a_read_is_one_hop_to_the_connections_thread(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the connection and its pragmas
        hops: list[object] = []
        original = aiosqlite.Connection._execute

        async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
            hops.append(fn)
            return await original(self, fn, *args)  # type: ignore[no-untyped-call]

        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        rows = (await connection.execute(text("SELECT 1 UNION ALL SELECT 2"))).all()
        during = len(hops)
    assert [row[0] for row in rows] == [1, 2]
    # SQLAlchemy's own adapter: cursor, execute, fetchall, close (waited for).
    assert during == 1
    await engine.dispose()
