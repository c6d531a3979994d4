"""A frozen or saturated database gets a bounded, typed answer, never a hang.

Issue 10: "answer 503 with ``Retry-After`` rather than hang when a write
cannot start in time. Set a statement timeout: today a frozen database hangs
every request for as long as it is frozen." The database is frozen for real,
from another connection: a row lock held, a table locked, every write
connection taken.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from models import ActivityEntry
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import RECORD, event_input
from tests.support import World

WRITE_WAIT = 1.0
STATEMENT_TIMEOUT = 2.0
BOUND = 6.0  # seconds: well past both, far below "as long as it is frozen"

PAYMENT = {"payment": {"externalId": "pay-busy", "amount": "5.00", "method": "card"}}
SETTINGS_CHANGE = """
mutation Change($input: UpdateOrganisationSettingsInput!) {
  updateOrganisationSettings(input: $input) { userErrors { code } }
}
"""
WINDOW = "{ onlineActivity { ... on ActivityConnection { totalCount } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(
        db_write_wait_seconds=WRITE_WAIT,
        db_statement_timeout_seconds=STATEMENT_TIMEOUT,
        db_pool_size=2,
    )


@asynccontextmanager
async def frozen(services: Services, *statements: str) -> AsyncIterator[AsyncConnection]:
    """Another client's transaction holding locks until the block ends."""
    engine = create_async_engine(services.database.url)
    try:
        async with engine.connect() as connection:
            if services.database.is_sqlite:
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await connection.begin()
            for statement in statements:
                await connection.execute(text(statement))
            try:
                yield connection
            finally:
                await connection.rollback()
    finally:
        await engine.dispose()


async def _post(
    client: httpx.AsyncClient, token: str, query: str, variables: object = None
) -> httpx.Response:
    """A request that fails the test, not hangs it, if it is never answered."""
    request = client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    return await asyncio.wait_for(request, BOUND * 2)


async def _portal_event(client: httpx.AsyncClient, world: World, key: str) -> httpx.Response:
    return await _post(client, world.riverside.portal_key, RECORD, event_input(key, PAYMENT))


def _assert_unavailable(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert int(response.headers["Retry-After"]) >= 1
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["extensions"]["retryAfter"] >= 1
    assert "SELECT" not in error["message"] and "UPDATE" not in error["message"]


async def _entries(services: Services) -> int:
    async with services.database.read() as session:
        return int(await session.scalar(select(func.count()).select_from(ActivityEntry)) or 0)


async def test_a_portal_event_that_cannot_take_its_lock_in_time_is_503_with_retry_after(
    services: Services, world: World, client: httpx.AsyncClient
) -> None:
    # Given another client holding the organisation's row (SQLite: the write lock)
    hold = f"SELECT id FROM organisations WHERE id = {world.riverside.id} FOR UPDATE"
    async with frozen(services, *([] if services.database.is_sqlite else [hold])):
        started = time.monotonic()
        response = await _portal_event(client, world, "evt-busy")
        took = time.monotonic() - started
    # Then the portal is told to come back, in bounded time, and nothing was recorded
    _assert_unavailable(response, 503)
    assert took < BOUND
    assert await _entries(services) == 0
    # And the same event, retried once the lock is gone, is recorded once
    retried = (await _portal_event(client, world, "evt-busy")).json()["data"]
    assert retried["recordPortalEvent"]["userErrors"] == []
    assert await _entries(services) == 1


async def test_a_staff_write_that_cannot_take_its_lock_in_time_is_a_coded_error(
    services: Services, world: World, client: httpx.AsyncClient
) -> None:
    hold = f"SELECT id FROM organisations WHERE id = {world.riverside.id} FOR UPDATE"
    async with frozen(services, *([] if services.database.is_sqlite else [hold])):
        started = time.monotonic()
        response = await _post(
            client, world.riverside.full, SETTINGS_CHANGE, {"input": {"dropNoticeDays": 9}}
        )
        took = time.monotonic() - started
    _assert_unavailable(response, 200)
    assert took < BOUND


async def test_a_write_that_finds_no_free_connection_in_time_is_503(
    services: Services, world: World, client: httpx.AsyncClient
) -> None:
    # Given every write connection busy in other units of work (SQLite: the
    # first one holds the write lock, the others wait for it)
    async with AsyncExitStack() as stack:
        holders = 1 if services.database.is_sqlite else 2  # pool 1 + overflow 1
        for _ in range(holders):
            session = await stack.enter_async_context(services.database.write())
            await session.execute(text("SELECT 1"))
        started = time.monotonic()
        response = await _portal_event(client, world, "evt-no-connection")
        took = time.monotonic() - started
    _assert_unavailable(response, 503)
    assert took < BOUND


@pytest.mark.needs_postgres  # SQLite readers never wait for a lock (WAL): nothing freezes a read
async def test_a_frozen_table_times_reads_out_instead_of_hanging(
    services: Services, world: World, client: httpx.AsyncClient
) -> None:
    async with frozen(services, "LOCK TABLE activity_entries IN ACCESS EXCLUSIVE MODE"):
        started = time.monotonic()
        response = await _post(client, world.riverside.full, WINDOW)
        took = time.monotonic() - started
    _assert_unavailable(response, 200)
    assert STATEMENT_TIMEOUT * 0.9 < took < BOUND
    # And the server is fine once the lock is gone
    after = await client.post(
        "/graphql",
        json={"query": WINDOW},
        headers={"Authorization": f"Bearer {world.riverside.full}"},
    )
    assert after.json()["data"]["onlineActivity"]["totalCount"] == 0
    await asyncio.sleep(0)
