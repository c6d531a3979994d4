"""Caught-up subscribers are written to by their group's task, not their own.

Issue 12: "fan-out >= 0.5x raw websockets.broadcast frames/s per core".
``subscriptions.direct``: a subscriber whose feed has caught up parks in
its (organisation, selection) group, and the group writes each event's
frame to every parked subscriber it matches; one that cannot take a frame
at once goes back to its own generator, which replays from its cursor. The
server runs in this test's process (uvicorn on the test's loop) so the test
can see the groups; the clients are real websockets. It runs on the embedded
default and, with ``TEST_DATABASE_URL``, on PostgreSQL + Redis.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from subscriptions import direct
from subscriptions.direct import direct_frames, direct_groups
from tests.live.client import LiveSocket, graphql, stalling_client
from tests.live.recording import LOCATION_NAMES, RECORD
from tests.live.servers import (
    InProcessServer,
    RedisServer,
    in_process_server,
    in_process_settings,
)
from tests.support import World

EVENTS = """
subscription Events($after: Int, $filter: ActivityFilter) {
  activityEvents(afterSequence: $after, filter: $filter) {
    sequence entryId entry { ... on PaymentActivity { id amount hasNotes location { name } } }
  }
}
"""
# Large frames, so a client that stops reading fills the kernel's buffers
# (megabytes on loopback) in tens of events (as tests/live/test_slow_consumer.py).
LARGE_EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) { sequence entry { ... on ActivityEntry { id notes } } }
}
"""
NOTES_ONLY = {"hasNotes": "YES"}
LONG_NOTES = "The family wrote a long note. " * 260  # 7,800 characters
STALLED_OPERATIONS = 10


@pytest.fixture
async def server(
    live_database: str, live_world: World, redis_server: RedisServer | None, tmp_path: Path
) -> AsyncIterator[InProcessServer]:
    settings = in_process_settings(
        live_database,
        redis_server,
        tmp_path / "outbox",
        max_sockets_per_staff=20,
        ws_send_timeout_seconds=60.0,
    )
    async with in_process_server(settings) as server:
        yield server


async def record(
    http: str, portal_key: str, *, location: str = "north", notes: str | None = None
) -> int:
    """One payment; returns its sequence."""
    payment = {
        "externalId": uuid.uuid4().hex,
        "amount": "12.00",
        "method": "card",
        "location": {"externalId": location, "name": LOCATION_NAMES[location]},
    }
    event: dict[str, Any] = {
        "idempotencyKey": uuid.uuid4().hex,
        "family": {"externalId": "fam-direct", "name": "Lee"},
        "event": {"payment": payment},
    }
    if notes is not None:
        event["notes"] = notes
    data = await graphql(http, RECORD, {"input": event}, portal_key)
    result = data["recordPortalEvent"]
    assert result["userErrors"] == [], result["userErrors"]
    [entry] = result["entries"]
    return int(entry["sequence"])


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not reached in {seconds} s: {direct_groups()}"
        await asyncio.sleep(0.01)


def parked() -> int:
    return sum(direct_groups().values())


async def test_caught_up_subscribers_get_every_matching_event_once_in_order_from_their_group(
    server: InProcessServer, world: World
) -> None:
    tenant = world.riverside
    start = await record(server.http, tenant.portal_key)
    # Given three caught-up subscribers: full staff unfiltered, full staff
    # with notes only (same selection: one group), staff of North Pool only
    # (other rights: another group)
    everything = await LiveSocket.open(server.ws, tenant.full)
    with_notes = await LiveSocket.open(server.ws, tenant.full)
    north = await LiveSocket.open(server.ws, tenant.north_only)
    subscribers = [
        (everything, await everything.subscribe(EVENTS, {"after": start})),
        (
            with_notes,
            await with_notes.subscribe(EVENTS, {"after": start, "filter": {"hasNotes": "YES"}}),
        ),
        (north, await north.subscribe(EVENTS, {"after": start})),
    ]
    try:
        await until(lambda: parked() == 3)
        assert sorted(direct_groups().values()) == [1, 2]
        frames = direct_frames()

        # When the portal records a burst, north and south, with and without notes
        kinds = [("north", None), ("south", "call back"), ("north", "gate code"), ("south", None)]
        recorded: list[tuple[int, str, bool]] = []
        for _ in range(3):
            sequences = await asyncio.gather(
                *(record(server.http, tenant.portal_key, location=at, notes=n) for at, n in kinds)
            )
            recorded += [
                (s, at, n is not None) for s, (at, n) in zip(sequences, kinds, strict=True)
            ]
        recorded.sort()

        # Then each gets exactly the events it matches, once each, in sequence order
        wanted = {
            0: [s for s, _, _ in recorded],
            1: [s for s, _, notes in recorded if notes],
            2: [s for s, location, _ in recorded if location == "north"],
        }
        for index, (socket_, operation) in enumerate(subscribers):
            got = [
                (await socket_.next(operation))["activityEvents"] for _ in range(len(wanted[index]))
            ]
            assert [e["sequence"] for e in got] == wanted[index], index
            await socket_.nothing_more(operation, 0.3)
        names = {e["entry"]["location"]["name"] for e in got}
        assert names == {"North Pool"}

        # and every one of those frames was written by a group, whose members
        # are still parked
        assert direct_frames() - frames == sum(len(w) for w in wanted.values())
        assert parked() == 3
    finally:
        for socket_, _ in subscribers:
            await socket_.close()
    await until(lambda: parked() == 0)


async def test_complete_and_close_leave_the_group(server: InProcessServer, world: World) -> None:
    tenant = world.riverside
    start = await record(server.http, tenant.portal_key)
    first = await LiveSocket.open(server.ws, tenant.full)
    second = await LiveSocket.open(server.ws, tenant.full)
    try:
        one = await first.subscribe(EVENTS, {"after": start})
        two = await first.subscribe(EVENTS, {"after": start})
        await second.subscribe(EVENTS, {"after": start})
        await until(lambda: parked() == 3)

        # When the client completes one operation, it leaves its group
        await first.complete(one)
        await until(lambda: parked() == 2)
        sequence = await record(server.http, tenant.portal_key)
        assert (await first.next(two))["activityEvents"]["sequence"] == sequence
        await first.nothing_more(one, 0.3)

        # And when a socket closes, its operations leave too: the group is empty
        await second.close()
        await until(lambda: parked() == 1)
        await first.close()
        await until(lambda: parked() == 0)
        assert direct_groups() == {}
    finally:
        await first.close()
        await second.close()


async def _stalling_client(ws: str, token: str, after: int) -> ClientConnection:
    return await stalling_client(ws, token, LARGE_EVENTS, {"after": after}, STALLED_OPERATIONS)


async def test_a_subscriber_that_stops_reading_falls_back_and_then_gets_every_change_once(
    server: InProcessServer, world: World
) -> None:
    tenant = world.riverside
    start = await record(server.http, tenant.portal_key)
    # Given a socket whose operations are all parked
    stalled = await _stalling_client(server.ws, tenant.full, start)
    try:
        await until(lambda: parked() == STALLED_OPERATIONS)

        # When the portal records while the client reads nothing, until its
        # socket stops taking frames and its operations leave the group
        recorded: list[int] = []
        deadline = time.monotonic() + 45
        while parked() == STALLED_OPERATIONS:
            assert time.monotonic() < deadline, f"still parked after {len(recorded)} events"
            recorded.append(await record(server.http, tenant.portal_key, notes=LONG_NOTES))
        # and a few more while they are back on their own path
        for _ in range(3):
            recorded.append(await record(server.http, tenant.portal_key, notes=LONG_NOTES))

        # Then, reading again, every operation gets every change exactly once, in order
        seen: dict[str, list[int]] = {}
        total = len(recorded) * STALLED_OPERATIONS
        while sum(len(s) for s in seen.values()) < total:
            message = json.loads(await asyncio.wait_for(stalled.recv(), 15))
            assert message["type"] == "next", message
            sequence = message["payload"]["data"]["activityEvents"]["sequence"]
            seen.setdefault(message["id"], []).append(sequence)
        assert seen == {str(o): recorded for o in range(1, STALLED_OPERATIONS + 1)}

        # and once caught up they park again, and the group delivers once more
        await until(lambda: parked() == STALLED_OPERATIONS)
        frames = direct_frames()
        sequence = await record(server.http, tenant.portal_key)
        for _ in range(STALLED_OPERATIONS):
            message = json.loads(await asyncio.wait_for(stalled.recv(), 5))
            assert message["payload"]["data"]["activityEvents"]["sequence"] == sequence
        assert direct_frames() - frames == STALLED_OPERATIONS
    finally:
        await stalled.close()
    await until(lambda: parked() == 0)


async def test_a_group_whose_task_is_cancelled_hands_its_members_back(
    server: InProcessServer, world: World
) -> None:
    tenant = world.riverside
    start = await record(server.http, tenant.portal_key)
    socket_ = await LiveSocket.open(server.ws, tenant.full)
    try:
        operation = await socket_.subscribe(EVENTS, {"after": start})
        await until(lambda: parked() == 1)
        first = await record(server.http, tenant.portal_key)
        assert (await socket_.next(operation))["activityEvents"]["sequence"] == first
        [group] = direct._GROUPS.values()
        task = group._task
        assert task is not None and not task.done()

        # When the group's task is cancelled while it waits for messages
        task.cancel()
        await until(task.done)

        # Then its member is handed back, replays, and parks in a new group
        await until(lambda: parked() == 1 and group not in direct._GROUPS.values())
        later = await record(server.http, tenant.portal_key)
        assert (await socket_.next(operation))["activityEvents"]["sequence"] == later
        await socket_.nothing_more(operation, 0.3)
    finally:
        await socket_.close()
    await until(lambda: parked() == 0)
