"""SQLite writers of one process take their turn in order (``models.db``).

Issue 10, overload: "a write keeps a bounded latency". SQLite has one writer
at a time, and a connection that finds the file locked polls (busy_timeout),
first come not first served: under a burst some writers waited their whole
``write_wait`` and were answered 503 while later ones went. On PostgreSQL
concurrent writers do not exclude each other, so there is no turn to take.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from models.db import Database, DatabaseBusy
from service.services import Services
from tests.support import World

WRITERS = 12
HOLD_SECONDS = 0.02  # each writer's unit of work, a few statements' worth


pytestmark = pytest.mark.sqlite_only


@pytest.fixture
def database(services: Services) -> Database:
    return services.database


async def test_a_burst_of_writers_commits_in_the_order_they_came(database: Database) -> None:
    committed: list[int] = []

    async def write(index: int) -> None:
        async with database.write() as session:
            await session.execute(text("SELECT 1"))
            await asyncio.sleep(HOLD_SECONDS)
            committed.append(index)

    # given writers that arrive one after another while the first holds the lock
    tasks = []
    for index in range(WRITERS):
        tasks.append(asyncio.create_task(write(index)))
        await asyncio.sleep(0)

    # when they all finish
    await asyncio.gather(*tasks)

    # then each went in its turn, none overtaken by a later one
    assert committed == list(range(WRITERS))


async def test_a_writer_that_cannot_have_its_turn_in_time_is_busy_and_writes_nothing(
    database: Database, world: World
) -> None:
    # given a process whose writers wait 0.2 s at most, one of them holding its turn
    database = Database(database.url, write_wait=0.2)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with database.write() as session:
            await session.execute(text("SELECT 1"))
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        # when another writer of the process waits longer than write_wait
        with pytest.raises(DatabaseBusy) as busy:
            async with database.write() as session:
                await session.execute(text("UPDATE organisations SET name = 'changed'"))
        # then it is told the database is busy, with when to retry
        assert busy.value.retry_after >= 1
    finally:
        release.set()
        await holder
        async with database.read() as session:
            names = (await session.scalars(text("SELECT name FROM organisations"))).all()
        await database.dispose()
    assert names and "changed" not in names
