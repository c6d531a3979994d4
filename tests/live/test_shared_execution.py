"""One GraphQL execution per event and distinct selection, not per subscriber.

"Execute GraphQL once per event per distinct selection where possible, not
once per subscriber." The server runs in this test's process (uvicorn on the
test's event loop) so the test can read how many executions it performed
(``schema.execution.SHARED_EXECUTIONS``); the subscribers are real
graphql-transport-ws clients over real websockets. It runs on the embedded
default and, with ``TEST_DATABASE_URL``, on PostgreSQL + Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from schema.execution import SHARED_EXECUTIONS
from tests.live.client import LiveSocket
from tests.live.recording import record_payment
from tests.live.servers import (
    InProcessServer,
    RedisServer,
    in_process_server,
    in_process_settings,
)
from tests.support import World

EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence entryId
    entry { ... on PaymentActivity { id amount availableActions location { name } } }
  }
}
"""

SUBSCRIBERS = 12


@pytest.fixture
async def server(
    live_database: str, live_world: World, redis_server: RedisServer | None, tmp_path: Path
) -> AsyncIterator[InProcessServer]:
    # All the subscribers are one staff member's sockets.
    settings = in_process_settings(
        live_database, redis_server, tmp_path / "outbox", max_sockets_per_staff=SUBSCRIBERS
    )
    async with in_process_server(settings) as server:
        yield server


async def subscribed(
    server: InProcessServer, portal_key: str, tokens: list[str], location: str = "north"
) -> list[tuple[LiveSocket, str]]:
    """Sockets provably live: each replays a marker entry recorded just before."""
    marker = await record_payment(server.http, portal_key, location=location)
    sockets = [await LiveSocket.open(server.ws, token) for token in tokens]
    operations = [await s.subscribe(EVENTS, {"after": marker["sequence"] - 1}) for s in sockets]
    for socket, operation in zip(sockets, operations, strict=True):
        event = (await socket.next(operation))["activityEvents"]
        assert event["sequence"] == marker["sequence"]
    return list(zip(sockets, operations, strict=True))


async def received(subscribers: list[tuple[LiveSocket, str]]) -> list[dict[str, object]]:
    return [(await s.next(o))["activityEvents"] for s, o in subscribers]


async def close(subscribers: list[tuple[LiveSocket, str]]) -> None:
    for socket, _ in subscribers:
        await socket.close()


async def test_many_subscribers_of_one_scope_get_the_event_from_one_execution(
    server: InProcessServer, world: World
) -> None:
    key = world.riverside.portal_key
    # Given a dozen staff sockets with the same rights watching the window,
    # resumed from different sequence numbers (half of them one entry earlier)
    earlier = await record_payment(server.http, key)
    half = SUBSCRIBERS // 2
    subscribers = await subscribed(server, key, [world.riverside.full] * half)
    resumed = []
    for _ in range(half):
        socket = await LiveSocket.open(server.ws, world.riverside.full)
        operation = await socket.subscribe(EVENTS, {"after": earlier["sequence"] - 1})
        resumed.append((socket, operation))
    await received(resumed)  # the earlier entry,
    await received(resumed)  # then the marker: live
    subscribers += resumed
    try:
        executed = SHARED_EXECUTIONS.executed

        # When the portal records a payment
        recorded = await record_payment(server.http, world.riverside.portal_key, amount="31.00")

        # Then every subscriber receives the same event
        events = await received(subscribers)
        assert [e["entryId"] for e in events] == [recorded["id"]] * SUBSCRIBERS
        assert all(e == events[0] for e in events)
        assert events[0]["entry"] == {
            "id": recorded["id"],
            "amount": "31.00",
            "availableActions": ["DISMISS"],
            "location": {"name": "North Pool"},
        }
        # and the server executed the selection for it once, not once per subscriber
        assert SHARED_EXECUTIONS.executed - executed == 1
    finally:
        await close(subscribers)


async def test_full_and_view_only_staff_each_get_their_own_available_actions(
    server: InProcessServer, world: World
) -> None:
    # Given full and view-only staff watching the window side by side
    tokens = [world.riverside.full, world.riverside.view_only] * 3
    subscribers = await subscribed(server, world.riverside.portal_key, tokens)
    try:
        executed = SHARED_EXECUTIONS.executed

        # When the portal records a payment
        recorded = await record_payment(server.http, world.riverside.portal_key)

        # Then full staff may dismiss it and view-only staff may do nothing with it
        events = await received(subscribers)
        assert {e["entryId"] for e in events} == {recorded["id"]}
        actions = [e["entry"]["availableActions"] for e in events]  # type: ignore[index]
        assert actions == [["DISMISS"], []] * 3
        # from one execution per scope
        assert SHARED_EXECUTIONS.executed - executed == 2
    finally:
        await close(subscribers)


async def test_a_location_limited_subscriber_keeps_its_scope_beside_full_staff(
    server: InProcessServer, world: World
) -> None:
    key = world.riverside.portal_key
    # Given staff limited to the north location beside staff who see every location
    limited = await subscribed(server, key, [world.riverside.north_only] * 2)
    everywhere = await subscribed(server, key, [world.riverside.full] * 2)
    # (the second marker reaches the limited staff too: it is at the north)
    await received(limited)
    try:
        executed = SHARED_EXECUTIONS.executed

        # When entries are recorded at the south, then at the north
        south = await record_payment(server.http, key, location="south")
        north = await record_payment(server.http, key, location="north")

        # Then staff who see every location hear of both
        assert [e["entryId"] for e in await received(everywhere)] == [south["id"]] * 2
        assert [e["entryId"] for e in await received(everywhere)] == [north["id"]] * 2
        # and the north-only staff hear only of the north entry
        assert [e["entryId"] for e in await received(limited)] == [north["id"]] * 2
        for socket, operation in limited:
            await socket.nothing_more(operation, 0.3)
        # each scope executed once per event it sees: south once, north twice
        assert SHARED_EXECUTIONS.executed - executed == 3
    finally:
        await close(limited + everywhere)
