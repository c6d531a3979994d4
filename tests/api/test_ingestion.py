"""Portal ingestion through HTTP: who may call it, idempotency (also under
concurrency and across tenants), the spec's rules at ingestion, bad input."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from domain.journal import WindowChange
from models import (
    AppointmentBooking,
    AuditRecord,
    Enrollment,
    EnrollmentNote,
    Organisation,
    Product,
)
from service.services import Services
from tests.api.ingestion_support import (
    FAMILY,
    GOGGLES,
    NORTH,
    RECORD,
    SOUTH,
    booking,
    enrollment,
    event_input,
    record,
    row_counts,
    swim_class,
    window,
)
from tests.support import Api, World

FAMILY_OPT_IN = """
query { onlineActivity { ... on ActivityConnection { nodes {
  ... on ActivityEntry { family { emailOptIn email } } } } } }
"""

TWO_LOCATION_ABSENCE = {
    "absence": {
        "externalId": "abs-9",
        "absenceDate": "2031-05-02",
        "enrollments": [
            enrollment("enr-a", swim_class("cls-a", NORTH, "Swim A")),
            enrollment("enr-b", swim_class("cls-b", SOUTH, "Gym B")),
            enrollment("enr-c", swim_class("cls-c", NORTH, "Swim C")),
        ],
    }
}


def order(external_id: str, quantity: int) -> dict[str, Any]:
    return {
        "onlineOrder": {
            "externalId": external_id,
            "items": [{"product": GOGGLES, "quantity": quantity, "unitPrice": "9.50"}],
        }
    }


# --- who may record -------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "nobody", "forged"])
async def test_only_the_portal_key_may_record(
    api: Api, world: World, services: Services, who: str
) -> None:
    # given a caller that is not the organisation's portal
    token = {"staff": world.riverside.full, "nobody": None, "forged": "oap_forged"}[who]
    before = await row_counts(services.database)

    # when it tries to record an event
    data = await api.data(RECORD, event_input("k", {"optOut": {}}), token=token)

    # then it is told to authenticate and nothing is recorded
    payload = data["recordPortalEvent"]
    assert [e["code"] for e in payload["userErrors"]] == ["UNAUTHENTICATED"]
    assert payload["entries"] == []
    assert await row_counts(services.database) == before


# --- idempotency ----------------------------------------------------------------


async def test_a_retry_returns_the_first_entries_and_records_nothing(
    api: Api, world: World
) -> None:
    # given an event recorded once
    first = await record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE)

    # when the portal retries it
    retry = await record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE)

    # then it gets the same entries back, marked as a replay, and nothing new exists
    assert (first["replayed"], retry["replayed"]) == (False, True)
    assert retry["entries"] == first["entries"]
    nodes, badge = await window(api, world.riverside)
    assert sorted(n["id"] for n in nodes) == sorted(e["id"] for e in first["entries"])
    assert badge["waiting"] == 2


async def test_the_same_key_with_another_payload_is_refused(
    api: Api, world: World, services: Services
) -> None:
    # given an event recorded under a key
    await record(api, world.riverside, "evt-1", {"optOut": {}})
    before = await row_counts(services.database)

    # when another event comes with the same key
    payload = await record(api, world.riverside, "evt-1", {"deletionRequest": {}})

    # then it is refused and nothing changes
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("IDEMPOTENCY_KEY_REUSED", ["input", "idempotencyKey"])
    ]
    assert (payload["entries"], payload["notApplied"]) == ([], [])
    assert await row_counts(services.database) == before


async def test_amounts_written_differently_are_the_same_payload(api: Api, world: World) -> None:
    # given a payment of 10.5
    event = {"payment": {"externalId": "p1", "amount": "10.5", "method": "card"}}
    first = await record(api, world.riverside, "evt-1", event)

    # when the retry spells it 10.50
    event["payment"]["amount"] = "10.50"
    retry = await record(api, world.riverside, "evt-1", event)

    # then it is the same event
    assert retry["userErrors"] == []
    assert retry["replayed"] is True
    assert retry["entries"] == first["entries"]


async def test_concurrent_retries_make_exactly_one_set_of_entries(api: Api, world: World) -> None:
    # when the portal sends the same event ten times at once
    payloads = await asyncio.gather(
        *(record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE) for _ in range(10))
    )

    # then one call recorded it, the others replayed its entries
    assert all(p["userErrors"] == [] for p in payloads)
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 9
    ids = {tuple(e["id"] for e in p["entries"]) for p in payloads}
    assert len(ids) == 1
    nodes, badge = await window(api, world.riverside)
    assert len(nodes) == 2
    assert badge["waiting"] == 2


async def test_the_same_key_in_two_organisations_is_two_events(api: Api, world: World) -> None:
    # when both organisations' portals use the same key
    riverside = await record(api, world.riverside, "evt-1", {"optOut": {}})
    harbour = await record(api, world.harbour, "evt-1", {"optOut": {}})

    # then each records its own entry, visible only to its own staff
    assert (riverside["replayed"], harbour["replayed"]) == (False, False)
    assert riverside["entries"][0]["id"] != harbour["entries"][0]["id"]
    for tenant, payload in ((world.riverside, riverside), (world.harbour, harbour)):
        nodes, _ = await window(api, tenant)
        assert [n["id"] for n in nodes] == [payload["entries"][0]["id"]]


async def test_a_record_sent_again_under_a_new_key_is_refused(
    api: Api, world: World, services: Services
) -> None:
    # given an order recorded under one key
    await record(api, world.riverside, "evt-1", order("ord-1", 1))
    before = await row_counts(services.database)

    # when the same order arrives under another key
    payload = await record(api, world.riverside, "evt-2", order("ord-1", 1))

    # then it is refused rather than holding stock twice
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("DUPLICATE_RECORD", ["input", "event", "onlineOrder", "externalId"])
    ]
    assert await row_counts(services.database) == before


# --- the spec's rules at ingestion ----------------------------------------------


async def test_an_absence_at_two_locations_makes_one_entry_per_location(
    api: Api, world: World, services: Services
) -> None:
    # when an absence covers classes at North (two) and South (one)
    payload = await record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE)

    # then there is one entry per location, each naming its own classes
    assert len(payload["entries"]) == 2
    nodes, _ = await window(api, world.riverside)
    by_location = {n["location"]["externalId"]: n["className"] for n in nodes}
    assert by_location == {"north": "Swim A, Swim C", "south": "Gym B"}
    # and a north-only staff member sees only the North entry
    data = await api.data(
        "{ onlineActivity { ... on ActivityConnection { totalCount } } }",
        token=world.riverside.north_only,
    )
    assert data["onlineActivity"]["totalCount"] == 1


async def test_an_auto_approved_reschedule_removes_the_original_bookings_entry(
    api: Api, world: World, services: Services
) -> None:
    # given a requested appointment waiting in the window
    await record(api, world.riverside, "evt-1", {"appointment": {"booking": booking("bk-1")}})
    _, badge = await window(api, world.riverside)
    assert badge == {"waiting": 1, "pending": 1}

    # when the family reschedules it and the portal auto-approves
    payload = await record(
        api,
        world.riverside,
        "evt-2",
        {
            "appointmentReschedule": {
                "originalBooking": booking("bk-1"),
                "booking": booking("bk-2", "2031-05-09T15:00:00+00:00"),
                "autoApproved": True,
            }
        },
    )

    # then only the rescheduled booking's entry is listed and the badge drops
    nodes, badge = await window(api, world.riverside)
    assert [(n["__typename"], n["status"]) for n in nodes] == [
        ("AppointmentRescheduleActivity", "APPROVED")
    ]
    assert nodes[0]["id"] == payload["entries"][0]["id"]
    assert badge == {"waiting": 1, "pending": 0}
    # and the original booking is rescheduled, its entry's removal audited
    async with services.database.read() as session:
        rows = await session.execute(
            select(AppointmentBooking.external_id, AppointmentBooking.status)
        )
        statuses = {external_id: status for external_id, status in rows}
        audit = (await session.scalars(select(AuditRecord))).all()
    assert statuses == {"bk-1": "RESCHEDULED", "bk-2": "BOOKED"}
    assert [(a.action, a.entry_type, a.staff_id) for a in audit] == [
        ("SUPERSEDED", "APPOINTMENT", None)
    ]


async def test_a_reschedule_request_leaves_the_original_entry(api: Api, world: World) -> None:
    # given an appointment in the window
    await record(api, world.riverside, "evt-1", {"appointment": {"booking": booking("bk-1")}})

    # when a reschedule is only requested
    await record(
        api,
        world.riverside,
        "evt-2",
        {"appointmentReschedule": {"originalBooking": booking("bk-1"), "booking": booking("bk-2")}},
    )

    # then both wait for staff
    _, badge = await window(api, world.riverside)
    assert badge == {"waiting": 2, "pending": 2}


async def test_an_enrollment_request_creates_the_requested_enrollment_with_its_notes(
    api: Api, world: World, services: Services
) -> None:
    # when a family requests an enrollment with a note
    await record(
        api,
        world.riverside,
        "evt-1",
        {"enrollment": {"enrollment": enrollment("enr-new")}},
        notes="Ann is nervous in deep water",
    )

    # then the enrollment exists as requested, with the note, for staff to decide on
    async with services.database.read() as session:
        row = await session.scalar(select(Enrollment).where(Enrollment.external_id == "enr-new"))
        assert row is not None
        notes = (
            await session.scalars(
                select(EnrollmentNote.text).where(EnrollmentNote.enrollment_id == row.id)
            )
        ).all()
    assert row.status == "REQUESTED"
    assert list(notes) == ["Ann is nervous in deep water"]


async def test_an_auto_approved_enrollment_is_active(
    api: Api, world: World, services: Services
) -> None:
    await record(
        api,
        world.riverside,
        "evt-1",
        {"enrollment": {"enrollment": enrollment("enr-new"), "autoApproved": True}},
    )
    async with services.database.read() as session:
        status = await session.scalar(
            select(Enrollment.status).where(Enrollment.external_id == "enr-new")
        )
    assert status == "ACTIVE"


async def test_a_drop_request_leaves_the_enrollment_active(
    api: Api, world: World, services: Services
) -> None:
    await record(
        api,
        world.riverside,
        "evt-1",
        {"drop": {"enrollment": enrollment("enr-1"), "dropDate": "2031-07-01", "reason": "Busy"}},
    )
    async with services.database.read() as session:
        row = (await session.execute(select(Enrollment.status, Enrollment.drop_date))).one()
    assert tuple(row) == ("ACTIVE", None)


async def test_punch_pass_enrollments_are_hidden_when_the_setting_is_off(
    api: Api, world: World, services: Services
) -> None:
    # given an organisation that does not list punch-pass enrollments
    async with services.database.write() as session:
        await session.execute(
            update(Organisation)
            .where(Organisation.id == world.riverside.id)
            .values(punch_pass_enrollments=False)
        )

    # when a punch pass is redeemed for an enrollment
    payload = await record(
        api,
        world.riverside,
        "evt-1",
        {"enrollment": {"enrollment": enrollment("enr-pp"), "punchPass": True}},
    )

    # then no entry is made
    assert payload["userErrors"] == []
    assert payload["entries"] == []
    nodes, _ = await window(api, world.riverside)
    assert nodes == []


async def test_an_online_order_holds_its_items_against_stock(
    api: Api, world: World, services: Services
) -> None:
    # when two orders of goggles arrive
    await record(api, world.riverside, "evt-1", order("ord-1", 2))
    await record(api, world.riverside, "evt-2", order("ord-2", 3))

    # then five goggles are held for pick-up
    async with services.database.read() as session:
        held = await session.scalar(
            select(Product.stock_held).where(Product.external_id == "goggles")
        )
    assert held == 5


async def test_a_missing_email_blast_choice_keeps_the_familys_opt_out(
    api: Api, world: World
) -> None:
    # given a family that opted out of email blasts
    await record(
        api, world.riverside, "evt-1", {"optOut": {}}, family={**FAMILY, "emailOptIn": False}
    )

    # when a later event does not say
    await record(api, world.riverside, "evt-2", {"autopay": {}})

    # then the family stays opted out
    data = await api.data(FAMILY_OPT_IN, token=world.riverside.full)
    families = [n["family"] for n in data["onlineActivity"]["nodes"]]
    assert families == [{"emailOptIn": False, "email": FAMILY["email"]}] * 2


async def test_occurred_at_is_when_the_family_acted(api: Api, world: World) -> None:
    # when the portal reports an event from yesterday
    when = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    await record(api, world.riverside, "evt-1", {"optOut": {}}, occurredAt=when.isoformat())

    # then the window shows that time
    data = await api.data(
        "{ onlineActivity { ... on ActivityConnection { nodes { ... on ActivityEntry "
        "{ occurredAt } } } } }",
        token=world.riverside.full,
    )
    [node] = data["onlineActivity"]["nodes"]
    assert datetime.fromisoformat(node["occurredAt"]) == when


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[WindowChange] = []

    async def publish(self, changes: Sequence[WindowChange]) -> None:
        self.published.extend(changes)


async def test_live_clients_are_told_after_commit_and_not_on_a_replay(
    api: Api, world: World, services: Services
) -> None:
    # given a live publisher
    publisher = RecordingPublisher()
    services.publisher = publisher

    # when an absence at two locations is recorded, then retried
    await record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE)
    await record(api, world.riverside, "evt-1", TWO_LOCATION_ABSENCE)

    # then two additions were published, once
    assert [(c.change, c.type) for c in publisher.published] == [
        ("ADDED", "ABSENCE"),
        ("ADDED", "ABSENCE"),
    ]
