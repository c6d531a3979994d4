"""Approve and deny act on the records as they are now.

A request was made against a record in some state (a REQUESTED booking,
absence or enrollment; an ACTIVE enrollment to drop or transfer). When the
portal or another decision has changed that record since, approving or
denying would write over what happened: both are refused (RECORD_CHANGED,
or RECORD_NOT_FOUND when the record is gone) and change nothing. Such a
request, which nobody can act on any more, carries the (x): staff dismiss it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models import Absence, ActivityEntry, AppointmentBooking, AuditRecord, Enrollment
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.api.ingestion_support import SOUTH, booking, enrollment, record, swim_class
from tests.support import Api, World

APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code message } userErrors { code field } }
}
"""
APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) {
    approvedCount results { id outcome code } userErrors { code }
  }
}
"""
DENY = """
mutation($input: DenyActivityInput!) {
  denyActivity(input: $input) { result { outcome code message } userErrors { code field } }
}
"""
DISMISS = """
mutation($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) {
    dismissedCount results { id outcome code } userErrors { code }
  }
}
"""
NODE = """
query($id: ID!) { node(id: $id) { ... on ActivityEntry { id availableActions recordChange } } }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


def today() -> date:
    return datetime.now(UTC).date()


async def booking_status(services: Services, external_id: str) -> str:
    async with services.database.read() as session:
        status = await session.scalar(
            select(AppointmentBooking.status).where(AppointmentBooking.external_id == external_id)
        )
    assert status is not None
    return str(status)


async def entry_state(services: Services, gid: str) -> tuple[str | None, int]:
    from strawberry import relay

    entry_id = int(relay.GlobalID.from_id(gid).node_id)
    async with services.database.read() as session:
        row = (
            await session.execute(
                select(ActivityEntry.resolution, ActivityEntry.version).where(
                    ActivityEntry.id == entry_id
                )
            )
        ).one()
    return row.resolution, row.version


async def decide(api: Api, token: str, gid: str) -> list[tuple[str, str | None]]:
    """Approve, then deny, the entry; each one's (outcome, code)."""
    approved = await api.data(APPROVE_ONE, {"input": {"id": gid}}, token)
    denied = await api.data(DENY, {"input": {"id": gid}}, token)
    return [
        (p["result"]["outcome"], p["result"]["code"])
        for p in (approved["approveActivity"], denied["denyActivity"])
    ]


async def test_a_request_for_a_booking_the_family_canceled_is_neither_approved_nor_denied(
    api: Api, world: World, services: Services
) -> None:
    # given an appointment request, then the family canceling the booking in the portal
    requested = await record(api, world.riverside, "evt-1", {"appointment": {"booking": booking()}})
    gid = requested["entries"][0]["id"]
    await record(api, world.riverside, "evt-2", {"appointmentCanceled": {"booking": booking()}})
    before = await entry_state(services, gid)

    # when staff approve it, then deny it
    outcomes = await decide(api, world.riverside.full, gid)

    # then both are refused with RECORD_CHANGED and the booking stays canceled
    assert outcomes == [("FAILED", "RECORD_CHANGED"), ("FAILED", "RECORD_CHANGED")]
    assert await booking_status(services, "bk-1") == "CANCELED"
    assert await entry_state(services, gid) == before
    assert await make.count(services.database, AuditRecord) == 0

    # and the window says why and offers the (x), which takes it out, audited
    node = (await api.data(NODE, {"id": gid}, world.riverside.full))["node"]
    assert node["availableActions"] == ["DISMISS"]
    assert "canceled" in node["recordChange"]
    dismissed = await api.data(DISMISS, {"input": {"ids": [gid]}}, world.riverside.full)
    assert dismissed["dismissActivities"]["dismissedCount"] == 1
    assert await booking_status(services, "bk-1") == "CANCELED"
    assert await make.count(services.database, AuditRecord, AuditRecord.action == "DISMISSED") == 1


async def test_mass_approve_gives_each_changed_record_its_code(
    api: Api, world: World, services: Services
) -> None:
    # given two appointment requests, one of them canceled since
    first = await record(api, world.riverside, "evt-1", {"appointment": {"booking": booking()}})
    second = await record(
        api, world.riverside, "evt-2", {"appointment": {"booking": booking("bk-2")}}
    )
    await record(api, world.riverside, "evt-3", {"appointmentCanceled": {"booking": booking()}})
    ids = [first["entries"][0]["id"], second["entries"][0]["id"]]

    # when both are mass approved
    data = await api.data(APPROVE_MANY, {"input": {"ids": ids}}, world.riverside.full)

    # then the canceled one fails with its code and the other is approved
    payload = data["approveActivities"]
    assert [(r["outcome"], r["code"]) for r in payload["results"]] == [
        ("FAILED", "RECORD_CHANGED"),
        ("APPROVED", None),
    ]
    assert (await booking_status(services, "bk-1"), await booking_status(services, "bk-2")) == (
        "CANCELED",
        "BOOKED",
    )
    # and a mass dismissal of "all" still leaves the moot request for staff to see
    seen = await api.window_sequence(world.riverside.full)
    swept = await api.data(DISMISS, {"input": {"all": {}, "watermark": seen}}, world.riverside.full)
    results = swept["dismissActivities"]["results"]
    assert [(r["outcome"], r["code"]) for r in results if r["id"] == ids[0]] == [
        ("SKIPPED", "MUST_APPROVE_OR_DENY")
    ]
    assert swept["dismissActivities"]["dismissedCount"] == 1  # the cancellation notice


async def test_a_reschedule_of_a_booking_canceled_since_is_not_approved(
    api: Api, world: World, services: Services
) -> None:
    # given a booked appointment, a request to move it, then its cancellation
    await record(
        api, world.riverside, "evt-1", {"appointment": {"booking": booking(), "autoApproved": True}}
    )
    request = await record(
        api,
        world.riverside,
        "evt-2",
        {"appointmentReschedule": {"originalBooking": booking(), "booking": booking("bk-2")}},
    )
    gid = request["entries"][0]["id"]
    await record(api, world.riverside, "evt-3", {"appointmentCanceled": {"booking": booking()}})

    # when staff approve the reschedule request
    data = await api.data(APPROVE_ONE, {"input": {"id": gid}}, world.riverside.full)

    # then it is refused: approving would mark the canceled booking rescheduled
    assert data["approveActivity"]["result"]["code"] == "RECORD_CHANGED"
    assert (await booking_status(services, "bk-1"), await booking_status(services, "bk-2")) == (
        "CANCELED",
        "REQUESTED",
    )
    # while denying it (the requested booking is still as it was) goes through
    denied = await api.data(DENY, {"input": {"id": gid}}, world.riverside.full)
    assert denied["denyActivity"]["result"]["outcome"] == "DENIED"
    assert await booking_status(services, "bk-2") == "DENIED"


def transfer_of(enrollment_ref: dict[str, Any], days: int, auto: bool) -> dict[str, Any]:
    return {
        "transfer": {
            "fromEnrollment": enrollment_ref,
            "toClass": swim_class("cls-dive", SOUTH, "Dive 2"),
            "transferDate": (today() + timedelta(days=days)).isoformat(),
            "autoApproved": auto,
        }
    }


async def test_a_drop_of_an_enrollment_transferred_since_is_refused_and_may_be_denied(
    api: Api, world: World, services: Services
) -> None:
    # given a drop request, then the portal auto-approving a transfer of the same enrollment
    drop = {"enrollment": enrollment(), "dropDate": (today() + timedelta(days=40)).isoformat()}
    requested = await record(api, world.riverside, "evt-1", {"drop": {**drop, "reason": "Moving"}})
    gid = requested["entries"][0]["id"]
    await record(api, world.riverside, "evt-2", transfer_of(enrollment(), 14, auto=True))
    async with services.database.read() as session:
        before = await session.scalar(
            select(Enrollment.drop_date).where(Enrollment.external_id == "enr-ann-swim")
        )

    # when staff approve the drop
    data = await api.data(APPROVE_ONE, {"input": {"id": gid}}, world.riverside.full)

    # then it is refused, and the transfer's drop date stands
    assert data["approveActivity"]["result"]["code"] == "RECORD_CHANGED"
    async with services.database.read() as session:
        after = await session.scalar(
            select(Enrollment.drop_date).where(Enrollment.external_id == "enr-ann-swim")
        )
    assert after == before == today() + timedelta(days=13)
    # and the window says so, offering what is still possible
    node = (await api.data(NODE, {"id": gid}, world.riverside.full))["node"]
    assert node["availableActions"] == ["DENY", "DISMISS"]
    assert "transferring" in node["recordChange"]
    # and denying it, which writes nothing to the enrollment, clears it
    denied = await api.data(DENY, {"input": {"id": gid}}, world.riverside.full)
    assert denied["denyActivity"]["result"]["outcome"] == "DENIED"


async def test_a_transfer_of_an_enrollment_dropped_since_is_refused(
    api: Api, world: World, services: Services
) -> None:
    # given a transfer request for an enrollment that has been dropped since
    db = services.database
    requested = await record(
        api, world.riverside, "evt-1", transfer_of(enrollment(), 14, auto=False)
    )
    gid = requested["entries"][0]["id"]
    async with db.write() as session:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.external_id == "enr-ann-swim")
            .values(status="DROPPED", drop_date=today())
        )

    # when staff approve it
    data = await api.data(APPROVE_ONE, {"input": {"id": gid}}, world.riverside.full)

    # then it is refused and no enrollment was made in the target class
    assert data["approveActivity"]["result"]["code"] == "RECORD_CHANGED"
    assert "dropped" in data["approveActivity"]["result"]["message"]
    assert await make.count(db, Enrollment) == 1


async def test_an_enrollment_request_whose_enrollment_changed_is_left_alone(
    api: Api, world: World, services: Services
) -> None:
    # given two enrollment requests: one activated elsewhere since, one deleted
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    activated, activated_enrollment = await make.enrollment_request(db, org, north, fam, class_id)
    deleted, deleted_enrollment = await make.enrollment_request(db, org, north, fam, class_id)
    async with db.write() as session:
        await session.execute(
            update(Enrollment).where(Enrollment.id == activated_enrollment).values(status="ACTIVE")
        )
        await session.execute(
            update(ActivityEntry)
            .where(ActivityEntry.enrollment_id == deleted_enrollment)
            .values(enrollment_id=None)
        )
        enrollment_row = await session.get(Enrollment, deleted_enrollment)
        await session.delete(enrollment_row)

    # when staff approve, then deny, each
    active_gid, deleted_gid = make.gid("ENROLLMENT", activated), make.gid("ENROLLMENT", deleted)
    assert await decide(api, world.riverside.full, active_gid) == [
        ("FAILED", "RECORD_CHANGED"),
        ("FAILED", "RECORD_CHANGED"),
    ]
    assert (await decide(api, world.riverside.full, deleted_gid))[0] == (
        "FAILED",
        "RECORD_NOT_FOUND",
    )

    # then the active enrollment was neither deleted nor changed
    kept = await make.load(db, Enrollment, activated_enrollment)
    assert kept is not None and kept.status == "ACTIVE"


async def test_an_absence_decided_elsewhere_is_neither_approved_nor_denied(
    api: Api, world: World, services: Services
) -> None:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    entry_id, absence_id = await make.absence_request(db, org, north, fam, enrollment_id)
    async with db.write() as session:
        await session.execute(
            update(Absence).where(Absence.id == absence_id).values(status="APPROVED")
        )
    gid = make.gid("ABSENCE", entry_id)
    assert await decide(api, world.riverside.full, gid) == [
        ("FAILED", "RECORD_CHANGED"),
        ("FAILED", "RECORD_CHANGED"),
    ]
    assert (await make.load(db, Absence, absence_id)).status == "APPROVED"  # type: ignore[union-attr]
