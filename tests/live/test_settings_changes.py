"""A change of the organisation's settings reaches open windows, live and on replay.

What a drop entry shows is derived from the settings (its notice period,
request day and missed criteria), so a settings change journals a CHANGED
event, reason SETTINGS_CHANGED, for each open entry whose shown fields
change, in the organisation's sequence: an open window updates those rows,
and one that resumes with ``afterSequence`` replays the same events. The
organisation itself (its time zone, which the client reads instants in) is
pushed by the ``organisation`` subscription. The change is made through
one server process and heard on the other (PostgreSQL + Redis; the one
process on the embedded default).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live.client import LiveSocket, graphql
from tests.live.recording import LOCATION_NAMES, record_payment
from tests.live.servers import RedisServer, Server
from tests.support import Tenant, World

RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { ... on ActivityEntry { id sequence } }
    userErrors { code message }
  }
}
"""
UPDATE_SETTINGS = """
mutation Update($input: UpdateOrganisationSettingsInput!) {
  updateOrganisationSettings(input: $input) {
    settings { timeZone dropNoticeDays }
    userErrors { code message }
  }
}
"""
SETTINGS = "{ organisationSettings { timeZone dropNoticeDays requireSavedPaymentMethod } }"
EVENTS = """
subscription Events($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence change reason entryId type status
    entry {
      ... on DropActivity {
        id noticeDays requestedOn meetsNoticePeriod missedCriteria { criterion code }
      }
    }
  }
}
"""
ORGANISATION = "subscription { organisation { id name timeZone today } }"


async def record_drop(
    http: str,
    tenant: Tenant,
    *,
    drop_in_days: int,
    occurred_at: datetime | None = None,
    location: str = "north",
) -> dict[str, Any]:
    """A drop request for a new enrollment, asked ``drop_in_days`` before its date."""
    unique = uuid.uuid4().hex
    asked = occurred_at or datetime.now(UTC)
    event: dict[str, Any] = {
        "idempotencyKey": unique,
        "family": {"externalId": f"fam-{unique}", "name": "Lee"},
        "occurredAt": asked.isoformat(),
        "event": {
            "drop": {
                "enrollment": {
                    "externalId": f"enr-{unique}",
                    "student": {
                        "externalId": f"stu-{unique}",
                        "firstName": "Ann",
                        "lastName": "Lee",
                    },
                    "class": {
                        "externalId": f"cls-{unique}",
                        "name": "Swim 1",
                        "location": {"externalId": location, "name": LOCATION_NAMES[location]},
                    },
                },
                "dropDate": (asked.date() + timedelta(days=drop_in_days)).isoformat(),
                "reason": "Moving away",
            }
        },
    }
    data = await graphql(http, RECORD, {"input": event}, tenant.portal_key)
    result = data["recordPortalEvent"]
    assert result["userErrors"] == [], result["userErrors"]
    [entry] = result["entries"]
    return dict(entry)


async def change_settings(http: str, tenant: Tenant, **changes: Any) -> None:
    data = await graphql(http, UPDATE_SETTINGS, {"input": changes}, tenant.full)
    assert data["updateOrganisationSettings"]["userErrors"] == []


@pytest.fixture
async def riverside_settings_restored(server_b: Server, world: World) -> AsyncIterator[None]:
    """The live world is shared by the package: put riverside's settings back."""
    before = (await graphql(server_b.http, SETTINGS, token=world.riverside.full))[
        "organisationSettings"
    ]
    yield
    await change_settings(server_b.http, world.riverside, **before)


async def settings_events(
    socket: LiveSocket, operation: str, until: str, seconds: float = 5.0
) -> list[dict[str, Any]]:
    """The events of one settings change, up to the one for entry ``until``.
    Open drops of other tests in the shared world may come first."""
    events: list[dict[str, Any]] = []
    while not events or events[-1]["entryId"] != until:
        events.append((await socket.next(operation, seconds))["activityEvents"])
    return events


@pytest.mark.usefixtures("riverside_settings_restored")
async def test_a_settings_change_updates_the_drop_entries_of_an_open_window(
    server_a: Server, server_b: Server, world: World
) -> None:
    riverside = world.riverside
    # given a drop asked 20 days ahead, which misses the 30 days' notice, an
    # open entry of another kind, and a window following the organisation live
    await change_settings(server_b.http, riverside, dropNoticeDays=30)
    drop = await record_drop(server_b.http, riverside, drop_in_days=20)
    payment = await record_payment(server_b.http, riverside.portal_key)
    window = await LiveSocket.open(server_a.ws, riverside.full)
    elsewhere = await LiveSocket.open(server_a.ws, world.harbour.full)
    try:
        live = await window.subscribe(EVENTS, {"after": drop["sequence"] - 1})
        added = [(await window.next(live))["activityEvents"] for _ in range(2)]
        assert [e["entryId"] for e in added] == [drop["id"], payment["id"]]
        assert added[0]["entry"]["missedCriteria"] == [
            {"criterion": "NOTICE_PERIOD", "code": "NOTICE_PERIOD_NOT_MET"}
        ]
        other_tenant = await elsewhere.subscribe(EVENTS)
        await elsewhere.nothing_more(other_tenant, 0.3)  # let it go live

        # when a manager lowers the notice period to 14 days through the other process
        await change_settings(server_b.http, riverside, dropNoticeDays=14)

        # then the window hears that the drop changed, with the entry as it now is
        events = await settings_events(window, live, until=drop["id"])
        assert {(e["change"], e["reason"], e["type"]) for e in events} == {
            ("CHANGED", "SETTINGS_CHANGED", "DROP")
        }
        changed = events[-1]
        assert changed["sequence"] > payment["sequence"]
        assert changed["entry"] == {
            "id": drop["id"],
            "noticeDays": 14,
            "requestedOn": datetime.now(UTC).date().isoformat(),
            "meetsNoticePeriod": True,
            "missedCriteria": [],
        }
        # and nothing about the payment, whose fields no setting decides
        await window.nothing_more(live)
        # and the other organisation's window hears nothing
        await elsewhere.nothing_more(other_tenant)

        # when a setting no entry shows is changed
        await change_settings(server_b.http, riverside, requireSavedPaymentMethod=True)

        # then no entry changes
        await window.nothing_more(live)

        # and a window that resumes from before the change replays the same event
        resumed = await window.subscribe(EVENTS, {"after": payment["sequence"]})
        replayed = await settings_events(window, resumed, until=drop["id"])
        assert [(e["sequence"], e["reason"]) for e in replayed] == [
            (e["sequence"], e["reason"]) for e in events
        ]
        assert replayed[-1]["entry"]["missedCriteria"] == []
        await window.nothing_more(resumed)
    finally:
        await window.close()
        await elsewhere.close()


@pytest.mark.usefixtures("riverside_settings_restored")
async def test_a_time_zone_change_reaches_the_organisation_and_the_request_days_it_moves(
    server_a: Server, server_b: Server, world: World
) -> None:
    riverside = world.riverside
    # given the school on UTC, a drop asked at 02:00 UTC yesterday (still the
    # day before in Chicago), and one asked at noon UTC (the same day there)
    await change_settings(server_b.http, riverside, timeZone="UTC", dropNoticeDays=0)
    yesterday = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    early = await record_drop(
        server_b.http, riverside, drop_in_days=40, occurred_at=yesterday.replace(hour=2)
    )
    noon = await record_drop(
        server_b.http, riverside, drop_in_days=40, occurred_at=yesterday.replace(hour=12)
    )
    window = await LiveSocket.open(server_a.ws, riverside.full)
    try:
        organisation = await window.subscribe(ORGANISATION)
        shown = (await window.next(organisation))["organisation"]
        assert shown["timeZone"] == "UTC"
        live = await window.subscribe(EVENTS, {"after": noon["sequence"]})
        await window.nothing_more(live, 0.3)  # let it go live

        # when the school's time zone is set to Chicago through the other process
        await change_settings(server_b.http, riverside, timeZone="America/Chicago")

        # then the organisation is pushed with its new clock
        moved = (await window.next(organisation))["organisation"]
        assert (moved["id"], moved["name"], moved["timeZone"]) == (
            shown["id"],
            shown["name"],
            "America/Chicago",
        )
        # and the drop whose request day moved is changed, the other is not
        events = await settings_events(window, live, until=early["id"])
        assert noon["id"] not in {e["entryId"] for e in events}
        assert (
            events[-1]["entry"]["requestedOn"] == (yesterday.date() - timedelta(days=1)).isoformat()
        )
        await window.nothing_more(live)
        await window.nothing_more(organisation)
    finally:
        await window.close()


@pytest.mark.needs_redis
async def test_a_settings_change_made_while_redis_is_down_reaches_the_window_once_it_is_back(
    server_a: Server, server_b: Server, world: World, redis_server: RedisServer | None
) -> None:
    assert redis_server is not None, "this test runs only with PostgreSQL + Redis"
    harbour = world.harbour
    before = (await graphql(server_b.http, SETTINGS, token=harbour.full))["organisationSettings"]
    # given a window on process A following harbour's organisation and entries
    drop = await record_drop(server_b.http, harbour, drop_in_days=20, location="main")
    window = await LiveSocket.open(server_a.ws, harbour.full)
    try:
        organisation = await window.subscribe(ORGANISATION)
        shown = (await window.next(organisation))["organisation"]
        live = await window.subscribe(EVENTS, {"after": drop["sequence"] - 1})
        assert (await window.next(live))["activityEvents"]["entryId"] == drop["id"]

        # when Redis dies, the settings change through B (its push is lost), and Redis is back
        redis_server.kill()
        zone = "Asia/Tokyo" if shown["timeZone"] != "Asia/Tokyo" else "Europe/Paris"
        await change_settings(server_b.http, harbour, timeZone=zone, dropNoticeDays=7)
        redis_server.start()

        # then the window re-reads the organisation and replays the drop's change
        assert (await window.next(organisation, 15))["organisation"]["timeZone"] == zone
        events = await settings_events(window, live, until=drop["id"], seconds=15)
        assert events[-1]["reason"] == "SETTINGS_CHANGED"
        assert events[-1]["entry"]["noticeDays"] == 7
    finally:
        await window.close()
        await change_settings(server_b.http, harbour, **before)
