"""Locks are taken in one order everywhere (``domain.lock_order``).

Ingesting an auto-approved reschedule supersedes the original booking's
entries; a staff member approving that original entry at the same moment
locks the entry and the booking. Taken in opposite orders, PostgreSQL
aborts one of the two as a deadlock. Likewise two staff members approving
at once, one a reschedule request (which supersedes the original's entry)
and the other the original's entry with that request. Each test runs such
a pair concurrently, many times, over real HTTP calls of the app on the
test backend: none may fail, and each pair ends in one of the two orders'
outcomes. (On SQLite writers are serialised: the same outcomes, without the
race.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models import ActivityEntry, AppointmentBooking
from service.provisioning import FULL_RIGHTS, create_staff
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import (
    BEN,
    RECORD,
    SOUTH,
    booking,
    enrollment,
    event_input,
    record,
    swim_class,
)
from tests.support import Api, World

ROUNDS = 40
# How much later the approval starts than the ingestion (negative: earlier).
STAGGER_SECONDS = (0.0, -0.002, 0.002, -0.005, 0.005, 0.01, -0.01, 0.02)

APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) { results { outcome code } userErrors { code } }
}
"""
APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code } userErrors { code } }
}
"""
APPROVE_BOTH = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) {
    results { outcome code entry { __typename } } userErrors { code }
  }
}
"""


def later(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


async def after(seconds: float, call: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    await asyncio.sleep(seconds)
    return await call


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def states(services: Services, original: str, moved: str) -> tuple[Any, ...]:
    async with services.database.read() as session:
        found = await session.execute(
            select(AppointmentBooking.external_id, AppointmentBooking.status).where(
                AppointmentBooking.external_id.in_([original, moved])
            )
        )
        bookings = {external_id: status for external_id, status in found}
        resolution = await session.scalar(
            select(ActivityEntry.resolution)
            .join(AppointmentBooking, AppointmentBooking.id == ActivityEntry.appointment_id)
            .where(AppointmentBooking.external_id == original, ActivityEntry.type == "APPOINTMENT")
        )
    return bookings[original], bookings.get(moved), resolution


async def test_approving_an_original_while_its_reschedule_is_ingested_never_deadlocks(
    api: Api, world: World, services: Services
) -> None:
    tenant = world.riverside
    for round_ in range(ROUNDS):
        # given a requested appointment waiting in the window
        original, moved = f"bk-{round_}", f"bk-{round_}-moved"
        requested = await record(
            api, tenant, f"evt-{round_}", {"appointment": {"booking": booking(original)}}
        )
        entry_id = requested["entries"][0]["id"]
        reschedule = event_input(
            f"evt-{round_}-moved",
            {
                "appointmentReschedule": {
                    "originalBooking": booking(original),
                    "booking": booking(moved, "2031-05-09T15:00:00+00:00"),
                    "autoApproved": True,
                }
            },
        )

        # when staff approve it while the portal records its auto-approved
        # reschedule, one or the other starting a little earlier each round
        lead = STAGGER_SECONDS[round_ % len(STAGGER_SECONDS)]
        approved, recorded = await asyncio.gather(
            after(max(lead, 0), api.post(APPROVE_ONE, {"input": {"id": entry_id}}, tenant.full)),
            after(max(-lead, 0), api.post(RECORD, reschedule, tenant.portal_key)),
        )

        # then neither was aborted
        assert not approved.get("errors"), approved["errors"]
        assert not recorded.get("errors"), recorded["errors"]
        assert recorded["data"]["recordPortalEvent"]["userErrors"] == []
        result = approved["data"]["approveActivity"]["result"]
        # and the outcome is one of the two orders': approved, then moved; or
        # moved first, the original's entry superseded and the approval told so
        outcome = (result["outcome"], result["code"], *await states(services, original, moved))
        assert outcome in (
            ("APPROVED", None, "RESCHEDULED", "BOOKED", "APPROVED"),
            ("FAILED", "ALREADY_PROCESSED", "RESCHEDULED", "BOOKED", "SUPERSEDED"),
        ), outcome


async def test_a_mass_approval_while_a_transfer_into_its_class_is_ingested_never_deadlocks(
    api: Api, world: World, services: Services
) -> None:
    """Classes come before enrollments: ingestion upserts a class before an
    enrollment in it, so approval locks the classes it counts seats in before
    the enrollments, and a transfer upserts its target class first."""
    tenant = world.riverside
    for round_ in range(ROUNDS):
        # given a request to enroll Ben in Dive and a request to drop Ann's Swim enrollment
        swim = swim_class(f"cls-swim-{round_}")
        dive = swim_class(f"cls-dive-{round_}", SOUTH, "Dive 2")
        ann = enrollment(f"enr-ann-{round_}", offering=swim)
        ben = enrollment(f"enr-ben-{round_}", offering=dive, student=BEN)
        requests = [
            await record(api, tenant, f"evt-{round_}-enroll", {"enrollment": {"enrollment": ben}}),
            await record(
                api,
                tenant,
                f"evt-{round_}-drop",
                {"drop": {"enrollment": ann, "dropDate": later(40), "reason": "Moving"}},
            ),
        ]
        ids = [r["entries"][0]["id"] for r in requests]
        transfer = event_input(
            f"evt-{round_}-transfer",
            {
                "transfer": {
                    "fromEnrollment": ann,
                    "toClass": dive,
                    "transferDate": later(14),
                    "autoApproved": True,
                }
            },
        )

        # when staff approve both while the portal records Ann's transfer into
        # Dive, sweeping which starts first in steps of half a millisecond
        lead = (round_ - ROUNDS / 2) * 0.0005
        approved, recorded = await asyncio.gather(
            after(max(lead, 0), api.post(APPROVE_MANY, {"input": {"ids": ids}}, tenant.full)),
            after(max(-lead, 0), api.post(RECORD, transfer, tenant.portal_key)),
        )

        # then neither was aborted, and Ben's enrollment was approved either way
        assert not approved.get("errors"), approved["errors"]
        assert not recorded.get("errors"), recorded["errors"]
        assert recorded["data"]["recordPortalEvent"]["userErrors"] == []
        results = approved["data"]["approveActivities"]["results"]
        assert results[0]["outcome"] == "APPROVED", results
        assert (results[1]["outcome"], results[1]["code"]) in (
            ("APPROVED", None),
            ("FAILED", "RECORD_CHANGED"),
        ), results


async def another_full_rights_staff_member(services: Services, world: World) -> str:
    async with services.database.write() as session:
        _, token = await create_staff(
            session,
            organisation_id=world.riverside.id,
            name="Second desk",
            email="second-desk@riverside.test",
            permissions=FULL_RIGHTS,
        )
    return token


async def test_two_staff_approving_a_reschedule_and_its_original_at_once_never_deadlock(
    api: Api, world: World, services: Services
) -> None:
    """Approving a reschedule request supersedes the original booking's
    entry: that entry is locked with the selected ones, in one id-ordered
    statement, so a second staff member approving the original's entry and
    the request together locks them in the same order."""
    tenant = world.riverside
    second = await another_full_rights_staff_member(services, world)
    for round_ in range(ROUNDS):
        # given a requested appointment and a request to reschedule it, both waiting
        original, moved = f"bk-{round_}", f"bk-{round_}-moved"
        requested = await record(
            api, tenant, f"evt-{round_}", {"appointment": {"booking": booking(original)}}
        )
        rescheduling = await record(
            api,
            tenant,
            f"evt-{round_}-moved",
            {
                "appointmentReschedule": {
                    "originalBooking": booking(original),
                    "booking": booking(moved, "2031-05-09T15:00:00+00:00"),
                    "autoApproved": False,
                }
            },
        )
        original_entry = requested["entries"][0]["id"]
        reschedule_entry = rescheduling["entries"][0]["id"]

        # when one staff member approves the reschedule request while another
        # approves the original's entry and that request together, one or
        # the other starting a little earlier each round
        lead = STAGGER_SECONDS[round_ % len(STAGGER_SECONDS)]
        alone, both = await asyncio.gather(
            after(
                max(lead, 0),
                api.post(APPROVE_ONE, {"input": {"id": reschedule_entry}}, tenant.full),
            ),
            after(
                max(-lead, 0),
                api.post(
                    APPROVE_BOTH,
                    {"input": {"ids": [original_entry, reschedule_entry]}},
                    second,
                ),
            ),
        )

        # then neither was aborted
        assert not alone.get("errors"), alone["errors"]
        assert not both.get("errors"), both["errors"]
        single = alone["data"]["approveActivity"]["result"]
        pair = [(r["outcome"], r["code"]) for r in both["data"]["approveActivities"]["results"]]
        # and the outcome is one of the two orders': the request approved
        # alone (the original's entry superseded), then nothing left to the
        # pair; or the pair approved, then the request already processed
        outcome = (
            (single["outcome"], single["code"]),
            pair,
            *await states(services, original, moved),
        )
        assert outcome in (
            (
                ("APPROVED", None),
                [("FAILED", "ALREADY_PROCESSED"), ("FAILED", "ALREADY_PROCESSED")],
                "RESCHEDULED",
                "BOOKED",
                "SUPERSEDED",
            ),
            (
                ("FAILED", "ALREADY_PROCESSED"),
                [("APPROVED", None), ("APPROVED", None)],
                "RESCHEDULED",
                "BOOKED",
                "APPROVED",
            ),
        ), outcome
