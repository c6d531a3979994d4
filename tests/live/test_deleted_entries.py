"""Deleted means gone from live replay too.

A staff member who resumes ``activityEvents`` from before an enrollment
request was denied replays its ADDED and REMOVED changes in order, so the
window stays true, but is served neither the request nor its notes: the
denial deleted them. (Two processes on PostgreSQL + Redis; one otherwise.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from tests.live.client import LiveSocket, graphql
from tests.live.servers import Server
from tests.support import World

NewStaff = Callable[[], Awaitable[str]]
NOTES = "Allergic to chlorine"

RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { ... on ActivityEntry { id sequence notes } }
    userErrors { code message }
  }
}
"""
ACQUIRE = "mutation { acquireEditLock(input: {surface: WINDOW}) { lease { token } } }"
DENY = """
mutation Deny($id: ID!, $lock: String) {
  denyActivity(input: {id: $id, lockToken: $lock}) { result { outcome } userErrors { code } }
}
"""
EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence change reason entryId type status
    entry { ... on ActivityEntry { id status notes } }
  }
}
"""


async def record_enrollment_request(http: str, portal_key: str) -> dict[str, Any]:
    unique = uuid.uuid4().hex
    data = await graphql(
        http,
        RECORD,
        {
            "input": {
                "idempotencyKey": unique,
                "family": {"externalId": "fam-live", "name": "Lee"},
                "notes": NOTES,
                "event": {
                    "enrollment": {
                        "enrollment": {
                            "externalId": f"enr-{unique}",
                            "student": {
                                "externalId": "stu-live",
                                "firstName": "Ann",
                                "lastName": "Lee",
                            },
                            "class": {
                                "externalId": "cls-live",
                                "name": "Swim 1",
                                "location": {"externalId": "north", "name": "North Pool"},
                            },
                        }
                    }
                },
            }
        },
        portal_key,
    )
    result = data["recordPortalEvent"]
    assert result["userErrors"] == [], result["userErrors"]
    [entry] = result["entries"]
    assert entry["notes"] == NOTES
    return dict(entry)


async def test_replaying_past_a_denied_enrollment_request_serves_neither_it_nor_its_notes(
    server_a: Server, server_b: Server, world: World, new_staff: NewStaff
) -> None:
    # given an enrollment request with notes, denied by staff on process B
    staff = await new_staff()
    request = await record_enrollment_request(server_b.http, world.riverside.portal_key)
    lock = (await graphql(server_b.http, ACQUIRE, token=staff))["acquireEditLock"]["lease"]
    denied = await graphql(server_b.http, DENY, {"id": request["id"], "lock": lock["token"]}, staff)
    assert denied["denyActivity"]["result"]["outcome"] == "DENIED"

    # when a window on process A resumes from just before the request was recorded
    socket = await LiveSocket.open(server_a.ws, staff)
    try:
        operation = await socket.subscribe(EVENTS, {"after": request["sequence"] - 1})
        added = (await socket.next(operation))["activityEvents"]
        removed = (await socket.next(operation))["activityEvents"]
    finally:
        await socket.close()

    # then it hears the request come and go, in order, and is served nothing of it
    assert (added["entryId"], added["change"], added["reason"]) == (
        request["id"],
        "ADDED",
        "RECORDED",
    )
    assert (removed["entryId"], removed["change"], removed["reason"]) == (
        request["id"],
        "REMOVED",
        "DENIED",
    )
    assert added["entry"] is None and removed["entry"] is None
    assert "chlorine" not in json.dumps([added, removed])
