"""Activity events and the badge, live across server processes.

On PostgreSQL + Redis the subscriber and the writer are different uvicorn
processes; on the embedded default they are the one process.
"""

from __future__ import annotations

import asyncio

from tests.live.client import LiveSocket, graphql
from tests.live.recording import record_payment
from tests.live.servers import Server
from tests.support import World

EVENTS = """
subscription Events($after: Int, $filter: ActivityFilter) {
  activityEvents(afterSequence: $after, filter: $filter) {
    sequence change reason entryId type status
    entry { ... on PaymentActivity { id amount location { name } } }
  }
}
"""

BADGE = "subscription { activityBadge { waiting pending } }"

BADGE_QUERY = "{ activityBadge { waiting pending } }"


async def live_from(socket: LiveSocket, http: str, portal_key: str, location: str = "north") -> str:
    """Subscribe so that the subscription is provably live: record a marker
    entry, subscribe from just before it and wait for its replay."""
    marker = await record_payment(http, portal_key, location=location)
    operation = await socket.subscribe(EVENTS, {"after": marker["sequence"] - 1})
    event = (await socket.next(operation))["activityEvents"]
    assert event["sequence"] == marker["sequence"]
    return operation


async def test_a_subscriber_on_one_process_receives_entries_recorded_through_the_other(
    server_a: Server, server_b: Server, world: World
) -> None:
    # Given a staff member watching the window on process A
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        operation = await live_from(socket, server_b.http, world.riverside.portal_key)

        # When the portal records a payment through process B
        recorded = await record_payment(server_b.http, world.riverside.portal_key, amount="40.00")

        # Then A pushes it, with its sequence number and the entry itself
        event = (await socket.next(operation))["activityEvents"]
        assert event["sequence"] == recorded["sequence"]
        assert event["change"] == "ADDED"
        assert event["reason"] == "RECORDED"
        assert event["entryId"] == recorded["id"]
        assert event["type"] == "PAYMENT"
        assert event["entry"]["id"] == recorded["id"]
        assert event["entry"]["location"] == {"name": "North Pool"}
        await socket.nothing_more(operation)
    finally:
        await socket.close()


async def test_resubscribing_with_the_last_sequence_loses_and_repeats_nothing(
    server_a: Server, server_b: Server, world: World
) -> None:
    key = world.riverside.portal_key
    # Given a subscriber that saw an entry, then lost its connection
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    operation = await live_from(socket, server_b.http, key)
    seen = await record_payment(server_b.http, key)
    assert (await socket.next(operation))["activityEvents"]["sequence"] == seen["sequence"]
    await socket.close()

    # When entries arrive while it is away, and it comes back with the last sequence it saw
    missed = [await record_payment(server_b.http, key) for _ in range(3)]
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        operation = await socket.subscribe(EVENTS, {"after": seen["sequence"]})
        replayed = [(await socket.next(operation))["activityEvents"] for _ in missed]
        live = await record_payment(server_b.http, key)
        after_seam = (await socket.next(operation))["activityEvents"]

        # Then it gets exactly what it missed, in order, then live entries: no gap, no duplicate
        assert [e["sequence"] for e in replayed] == [m["sequence"] for m in missed]
        assert [e["entryId"] for e in replayed] == [m["id"] for m in missed]
        assert after_seam["sequence"] == live["sequence"]
        await socket.nothing_more(operation)
    finally:
        await socket.close()


async def test_a_location_limited_subscriber_hears_only_its_locations(
    server_a: Server, server_b: Server, world: World
) -> None:
    key = world.riverside.portal_key
    # Given a staff member limited to the north location, and one with a filter
    limited = await LiveSocket.open(server_a.ws, world.riverside.north_only)
    filtered = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        north_only = await live_from(limited, server_b.http, key)
        no_location = await filtered.subscribe(
            EVENTS, {"after": None, "filter": {"location": {"noLocation": True}}}
        )
        await filtered.nothing_more(no_location, 0.3)  # let it go live

        # When entries are recorded at the south location, without one, and at the north
        south = await record_payment(server_b.http, key, location="south")
        independent = await record_payment(server_b.http, key, location=None)
        north = await record_payment(server_b.http, key, location="north")

        # Then the north-only subscriber hears of north and location-independent entries
        heard = [(await limited.next(north_only))["activityEvents"]["entryId"] for _ in range(2)]
        assert heard == [independent["id"], north["id"]]
        assert south["id"] not in heard
        # and the "no location" filter lets through only the location-independent entry
        only = (await filtered.next(no_location))["activityEvents"]
        assert only["entryId"] == independent["id"]
        await filtered.nothing_more(no_location)
        await limited.nothing_more(north_only)
    finally:
        await limited.close()
        await filtered.close()


async def test_the_badge_is_pushed_on_subscribe_and_after_each_new_entry(
    server_a: Server, server_b: Server, world: World
) -> None:
    # Given a dashboard showing the badge on process A
    socket = await LiveSocket.open(server_a.ws, world.harbour.full)
    try:
        operation = await socket.subscribe(BADGE)
        first = (await socket.next(operation))["activityBadge"]
        assert (
            first
            == (await graphql(server_b.http, BADGE_QUERY, token=world.harbour.full))[
                "activityBadge"
            ]
        )

        # When a family pays through process B
        await record_payment(server_b.http, world.harbour.portal_key, location="main")

        # Then the badge goes up by one, once
        pushed = (await socket.next(operation))["activityBadge"]
        assert pushed["waiting"] == first["waiting"] + 1
        await socket.nothing_more(operation)
    finally:
        await socket.close()


async def test_a_kept_badge_is_forgotten_when_another_process_records_an_entry(
    server_a: Server, server_b: Server, world: World
) -> None:
    # Given process A has answered (and keeps) the badge
    token = world.harbour.full
    before = (await graphql(server_a.http, BADGE_QUERY, token=token))["activityBadge"]
    assert (await graphql(server_a.http, BADGE_QUERY, token=token))["activityBadge"] == before

    # When a family pays through process B (the same process on the embedded default)
    await record_payment(server_b.http, world.harbour.portal_key, location="main")

    # Then A answers the new count as soon as the change reaches it, long before
    # the 600 s the servers may keep a badge
    deadline = asyncio.get_running_loop().time() + 2.0
    while True:
        now = (await graphql(server_a.http, BADGE_QUERY, token=token))["activityBadge"]
        if now["waiting"] == before["waiting"] + 1 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.02)
    assert now == {"waiting": before["waiting"] + 1, "pending": before["pending"]}


async def test_another_organisation_hears_nothing(
    server_a: Server, server_b: Server, world: World
) -> None:
    # Given a harbour subscriber
    socket = await LiveSocket.open(server_a.ws, world.harbour.full)
    try:
        operation = await live_from(socket, server_b.http, world.harbour.portal_key, "main")

        # When riverside records an entry
        await record_payment(server_b.http, world.riverside.portal_key)

        # Then harbour's subscriber hears nothing of it
        await socket.nothing_more(operation, 0.8)
    finally:
        await socket.close()
