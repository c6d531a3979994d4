"""Approving an appointment reschedule request does what a reschedule the
portal auto-approved does: the new booking is BOOKED, the original
RESCHEDULED, and the original booking's entry, if still in the window, is
removed ("as the system will no longer be able to take action on it").
Denying the request leaves the original as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from domain.journal import WindowChange
from models import ActivityChange, ActivityEntry, AppointmentBooking, AuditRecord
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import booking, record, window
from tests.support import Api, World

APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code } userErrors { code field } }
}
"""
APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) { results { outcome code } userErrors { code } }
}
"""
DENY = """
mutation($input: DenyActivityInput!) {
  denyActivity(input: $input) { result { outcome code } userErrors { code field } }
}
"""
DISMISS = """
mutation($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) { dismissedCount userErrors { code } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


class RecordingPublisher:
    """Counts the publishes: one per unit of work, after it commits."""

    def __init__(self) -> None:
        self.calls: list[list[WindowChange]] = []

    async def publish(self, changes: Sequence[WindowChange]) -> None:
        self.calls.append(list(changes))


async def given_booking_and_reschedule_request(
    api: Api, world: World, *, original_auto_approved: bool
) -> tuple[str, str]:
    """An appointment entry for bk-1 and a pending request moving it to bk-2;
    returns the two entries' ids."""
    original = await record(
        api,
        world.riverside,
        "evt-1",
        {"appointment": {"booking": booking("bk-1"), "autoApproved": original_auto_approved}},
    )
    request = await record(
        api,
        world.riverside,
        "evt-2",
        {
            "appointmentReschedule": {
                "originalBooking": booking("bk-1"),
                "booking": booking("bk-2", "2031-05-09T15:00:00+00:00"),
            }
        },
    )
    assert request["entries"][0]["status"] == "PENDING"
    return original["entries"][0]["id"], request["entries"][0]["id"]


async def bookings(services: Services) -> dict[str, str]:
    async with services.database.read() as session:
        rows = await session.execute(
            select(AppointmentBooking.external_id, AppointmentBooking.status)
        )
        return {external_id: status for external_id, status in rows}


async def resolutions(services: Services) -> dict[str, str | None]:
    async with services.database.read() as session:
        rows = await session.execute(select(ActivityEntry.type, ActivityEntry.resolution))
        return {entry_type: resolution for entry_type, resolution in rows}


@pytest.mark.parametrize("original_auto_approved", [False, True], ids=["requested", "booked"])
async def test_approving_a_reschedule_request_removes_the_original_bookings_entry(
    api: Api, world: World, services: Services, original_auto_approved: bool
) -> None:
    # given an appointment in the window and a request to reschedule it
    _, request = await given_booking_and_reschedule_request(
        api, world, original_auto_approved=original_auto_approved
    )
    publisher = RecordingPublisher()
    services.publisher = publisher

    # when staff approve the reschedule request
    data = await api.data(APPROVE_ONE, {"input": {"id": request}}, world.riverside.full)

    # then both entries have left the window and the badge is empty
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    nodes, badge = await window(api, world.riverside)
    assert nodes == []
    assert badge == {"waiting": 0, "pending": 0}
    # and the new booking is booked, the original rescheduled
    assert await bookings(services) == {"bk-1": "RESCHEDULED", "bk-2": "BOOKED"}
    # and the original's entry was superseded by the system, journaled and audited so
    assert await resolutions(services) == {
        "APPOINTMENT": "SUPERSEDED",
        "APPOINTMENT_RESCHEDULE": "APPROVED",
    }
    async with services.database.read() as session:
        audit = (await session.execute(select(AuditRecord.action, AuditRecord.entry_type))).all()
        journal = (
            await session.execute(
                select(ActivityChange.change, ActivityChange.reason, ActivityChange.type)
                .where(ActivityChange.change == "REMOVED")
                .order_by(ActivityChange.sequence)
            )
        ).all()
    assert sorted(audit) == [
        ("APPROVED", "APPOINTMENT_RESCHEDULE"),
        ("SUPERSEDED", "APPOINTMENT"),
    ]
    assert [tuple(row) for row in journal] == [
        ("REMOVED", "SUPERSEDED", "APPOINTMENT"),
        ("REMOVED", "APPROVED", "APPOINTMENT_RESCHEDULE"),
    ]
    # and live clients were told both removals in one publish
    assert [[(c.reason, c.type) for c in call] for call in publisher.calls] == [
        [("SUPERSEDED", "APPOINTMENT"), ("APPROVED", "APPOINTMENT_RESCHEDULE")]
    ]


async def test_an_original_entry_already_processed_is_left_as_it_was(
    api: Api, world: World, services: Services
) -> None:
    # given an auto-approved appointment staff already dismissed, then a
    # request to reschedule it
    original, request = await given_booking_and_reschedule_request(
        api, world, original_auto_approved=True
    )
    dismissed = await api.data(DISMISS, {"input": {"ids": [original]}}, world.riverside.full)
    assert dismissed["dismissActivities"]["dismissedCount"] == 1

    # when staff approve the reschedule request
    await api.data(APPROVE_ONE, {"input": {"id": request}}, world.riverside.full)

    # then the dismissal stands, and only the approval is added to the audit log
    assert await resolutions(services) == {
        "APPOINTMENT": "DISMISSED",
        "APPOINTMENT_RESCHEDULE": "APPROVED",
    }
    assert await bookings(services) == {"bk-1": "RESCHEDULED", "bk-2": "BOOKED"}
    async with services.database.read() as session:
        actions = sorted(await session.scalars(select(AuditRecord.action)))
    assert actions == ["APPROVED", "DISMISSED"]


async def test_approving_the_booking_and_its_reschedule_together_approves_both(
    api: Api, world: World, services: Services
) -> None:
    # given a requested appointment and a request to reschedule it
    original, request = await given_booking_and_reschedule_request(
        api, world, original_auto_approved=False
    )

    # when staff check both and approve them at once
    data = await api.data(
        APPROVE_MANY, {"input": {"ids": [original, request]}}, world.riverside.full
    )

    # then both are approved (the original is not also superseded)
    results: list[dict[str, Any]] = data["approveActivities"]["results"]
    assert [r["outcome"] for r in results] == ["APPROVED", "APPROVED"]
    assert await resolutions(services) == {
        "APPOINTMENT": "APPROVED",
        "APPOINTMENT_RESCHEDULE": "APPROVED",
    }
    # and the booking that stands is the rescheduled one
    assert await bookings(services) == {"bk-1": "RESCHEDULED", "bk-2": "BOOKED"}
    _, badge = await window(api, world.riverside)
    assert badge == {"waiting": 0, "pending": 0}


async def test_approving_all_matching_a_filter_supersedes_an_original_it_does_not_select(
    api: Api, world: World, services: Services
) -> None:
    # given a booked appointment (a notification) and a pending request to reschedule it
    await given_booking_and_reschedule_request(api, world, original_auto_approved=True)
    watermark = await api.window_sequence(world.riverside.full)

    # when staff approve all pending entries (the filter leaves the original out)
    data = await api.data(
        APPROVE_MANY,
        {"input": {"all": {"status": "PENDING"}, "watermark": watermark}},
        world.riverside.full,
    )

    # then only the request is approved and reported, and the original's entry,
    # locked with the selection, is superseded
    results: list[dict[str, Any]] = data["approveActivities"]["results"]
    assert [r["outcome"] for r in results] == ["APPROVED"]
    assert await resolutions(services) == {
        "APPOINTMENT": "SUPERSEDED",
        "APPOINTMENT_RESCHEDULE": "APPROVED",
    }
    assert await bookings(services) == {"bk-1": "RESCHEDULED", "bk-2": "BOOKED"}


async def test_denying_a_reschedule_request_leaves_the_original_booking_and_entry(
    api: Api, world: World, services: Services
) -> None:
    # given a requested appointment and a request to reschedule it
    original, request = await given_booking_and_reschedule_request(
        api, world, original_auto_approved=False
    )

    # when staff deny the reschedule request
    data = await api.data(DENY, {"input": {"id": request}}, world.riverside.full)

    # then only the request leaves the window; the original still waits
    assert data["denyActivity"]["result"] == {"outcome": "DENIED", "code": None}
    nodes, badge = await window(api, world.riverside)
    assert [n["id"] for n in nodes] == [original]
    assert badge == {"waiting": 1, "pending": 1}
    # and the original booking is untouched, the requested one denied
    assert await bookings(services) == {"bk-1": "REQUESTED", "bk-2": "DENIED"}
    assert await resolutions(services) == {
        "APPOINTMENT": None,
        "APPOINTMENT_RESCHEDULE": "DENIED",
    }
