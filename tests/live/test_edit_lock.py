"""The window-or-widget edit lock across server processes, and actions under it.

"To avoid conflicting edits, only the window or the widget is accessible at
any given time, and not both."
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.live.client import LiveSocket, graphql
from tests.live.recording import record_payment
from tests.live.servers import Server
from tests.live.test_activity_events import BADGE, live_from
from tests.support import World

NewStaff = Callable[[], Awaitable[str]]

ACQUIRE = """
mutation Acquire($input: AcquireEditLockInput!) {
  acquireEditLock(input: $input) {
    lease { token surface expiresAt }
    heldBy { held surface expiresAt holderName }
    userErrors { code message field }
  }
}
"""
RENEW = """
mutation Renew($token: String!) {
  renewEditLock(input: {token: $token}) { lease { expiresAt } userErrors { code field } }
}
"""
RELEASE = """
mutation Release($token: String!) {
  releaseEditLock(input: {token: $token}) { released userErrors { code } }
}
"""
LOCK_STATE = """
subscription Lock($token: String) {
  editLockState(token: $token) { held surface expiresAt yours holderName }
}
"""
DISMISS = """
mutation Dismiss($ids: [ID!], $token: String) {
  dismissActivities(input: {ids: $ids, lockToken: $token}) {
    dismissedCount
    results { id outcome code }
    userErrors { code field }
  }
}
"""


async def acquire(
    http: str, token: str, surface: str, *, take_over: bool = False
) -> dict[str, Any]:
    data = await graphql(
        http, ACQUIRE, {"input": {"surface": surface, "takeOver": take_over}}, token
    )
    result: dict[str, Any] = data["acquireEditLock"]
    return result


async def test_the_lock_taken_on_one_process_is_refused_on_the_other(
    server_a: Server, server_b: Server, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    # Given the window holds the staff member's lock, taken through process A
    window = await acquire(server_a.http, staff, "WINDOW")
    assert window["userErrors"] == []
    assert window["lease"]["surface"] == "WINDOW"

    # When the widget asks for it through process B
    widget = await acquire(server_b.http, staff, "WIDGET")

    # Then it is refused, saying who holds it, from which surface and until when
    assert widget["lease"] is None
    assert [e["code"] for e in widget["userErrors"]] == ["LOCK_HELD"]
    assert widget["heldBy"]["surface"] == "WINDOW"
    assert widget["heldBy"]["expiresAt"] == window["lease"]["expiresAt"]
    assert widget["heldBy"]["holderName"].startswith("Locker")
    # and a second window (another tab) is refused just the same
    second_tab = await acquire(server_b.http, staff, "WINDOW")
    assert [e["code"] for e in second_tab["userErrors"]] == ["LOCK_HELD"]


async def test_a_heartbeat_extends_the_lease_and_release_frees_the_lock(
    server_a: Server, server_b: Server, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    lease = (await acquire(server_a.http, staff, "WIDGET"))["lease"]

    # When the widget renews, then closes
    renewed = await graphql(server_b.http, RENEW, {"token": lease["token"]}, staff)
    released = await graphql(server_b.http, RELEASE, {"token": lease["token"]}, staff)

    # Then the lease ran longer, and once released the window may open at once
    assert renewed["renewEditLock"]["lease"]["expiresAt"] > lease["expiresAt"]
    assert released["releaseEditLock"]["released"] is True
    assert (await acquire(server_a.http, staff, "WINDOW"))["userErrors"] == []
    # and the released token cannot be renewed
    stale = await graphql(server_a.http, RENEW, {"token": lease["token"]}, staff)
    assert stale["renewEditLock"]["userErrors"] == [
        {"code": "LOCK_LOST", "field": ["input", "lockToken"]}
    ]


async def test_taking_over_tells_the_previous_holder_live_and_its_token_stops_working(
    server_a: Server, server_b: Server, world: World, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    entry = await record_payment(server_b.http, world.riverside.portal_key)
    # Given the window holds the lock and watches it on process A
    old = (await acquire(server_a.http, staff, "WINDOW"))["lease"]
    socket = await LiveSocket.open(server_a.ws, staff)
    try:
        watching = await socket.subscribe(LOCK_STATE, {"token": old["token"]})
        first = (await socket.next(watching))["editLockState"]
        assert (first["held"], first["surface"], first["yours"]) == (True, "WINDOW", True)
        assert first["expiresAt"] == old["expiresAt"]

        # When the widget takes over through process B
        new = await acquire(server_b.http, staff, "WIDGET", take_over=True)
        assert new["userErrors"] == []

        # Then the window is told at once that the widget has it now
        state = (await socket.next(watching))["editLockState"]
        assert state["held"] is True
        assert state["surface"] == "WIDGET"
        assert state["yours"] is False

        # and its token changes nothing any more, while the widget's works
        refused = await graphql(
            server_b.http, DISMISS, {"ids": [entry["id"]], "token": old["token"]}, staff
        )
        assert refused["dismissActivities"]["userErrors"] == [
            {"code": "LOCK_LOST", "field": ["input", "lockToken"]}
        ]
        assert refused["dismissActivities"]["dismissedCount"] == 0
        done = await graphql(
            server_a.http, DISMISS, {"ids": [entry["id"]], "token": new["lease"]["token"]}, staff
        )
        assert done["dismissActivities"]["dismissedCount"] == 1
    finally:
        await socket.close()


async def test_an_action_without_a_lock_token_changes_nothing(
    server_b: Server, world: World, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    entry = await record_payment(server_b.http, world.riverside.portal_key)

    refused = await graphql(server_b.http, DISMISS, {"ids": [entry["id"]], "token": None}, staff)

    assert refused["dismissActivities"]["userErrors"] == [
        {"code": "LOCK_REQUIRED", "field": ["input", "lockToken"]}
    ]
    assert refused["dismissActivities"]["dismissedCount"] == 0


async def test_the_lease_is_released_when_the_holders_websocket_drops(
    server_a: Server, server_b: Server, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    # Given the window holds the lock and its connection carries the lease
    lease = (await acquire(server_a.http, staff, "WINDOW"))["lease"]
    socket = await LiveSocket.open(server_a.ws, staff)
    watching = await socket.subscribe(LOCK_STATE, {"token": lease["token"]})
    assert (await socket.next(watching))["editLockState"]["yours"] is True

    # When the browser tab goes away
    await socket.close()

    # Then the widget may take the lock on the other process without waiting for expiry
    for _ in range(50):
        widget = await acquire(server_b.http, staff, "WIDGET")
        if widget["lease"] is not None:
            break
        await asyncio.sleep(0.1)
    assert widget["userErrors"] == []
    assert widget["lease"]["surface"] == "WIDGET"


async def test_a_bulk_action_on_one_process_reaches_the_other_as_events_and_one_badge_push(
    server_a: Server, server_b: Server, world: World, new_staff: NewStaff
) -> None:
    staff = await new_staff()
    key = world.riverside.portal_key
    entries = [await record_payment(server_b.http, key) for _ in range(3)]
    lease = (await acquire(server_b.http, staff, "WINDOW"))["lease"]
    # Given a window watching events, and a dashboard watching the badge, on process A
    socket = await LiveSocket.open(server_a.ws, staff)
    try:
        events = await live_from(socket, server_b.http, key)
        badge = await socket.subscribe(BADGE)
        before = (await socket.next(badge))["activityBadge"]

        # When staff dismiss the three entries in one action through process B
        done = await graphql(
            server_b.http,
            DISMISS,
            {"ids": [e["id"] for e in entries], "token": lease["token"]},
            staff,
        )
        assert done["dismissActivities"]["dismissedCount"] == 3

        # Then A pushes each removal, and the badge once, three lower
        removed = [(await socket.next(events))["activityEvents"] for _ in entries]
        assert {e["entryId"] for e in removed} == {e["id"] for e in entries}
        assert {(e["change"], e["reason"]) for e in removed} == {("REMOVED", "DISMISSED")}
        after = (await socket.next(badge))["activityBadge"]
        assert after["waiting"] == before["waiting"] - 3
        await socket.nothing_more(badge)
        await socket.nothing_more(events, 0.1)
    finally:
        await socket.close()
