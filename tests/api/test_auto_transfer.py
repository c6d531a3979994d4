"""A transfer the portal auto-approved ("Transfers - Enrollment Transfer
requests and auto-approvals") is applied when it is recorded, exactly as
staff approval applies a requested one; one the rules refuse is refused
whole, and a request still waits for staff."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models import ClassOffering, Enrollment
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import (
    SOUTH,
    enrollment,
    record,
    row_counts,
    swim_class,
    window,
)
from tests.support import Api, World

APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) { result { outcome code } userErrors { code field } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, require_edit_lock=False)


def today() -> date:
    return datetime.now(UTC).date()


def transfer(
    *,
    transfer_in: int = 14,
    original_drop: date | None = None,
    target: str = "cls-dive",
    target_end: date | None = None,
    auto_approved: bool = True,
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if original_drop is not None:
        extra["dropDate"] = original_drop.isoformat()
    to_class = swim_class(target, SOUTH, "Dive 2")
    if target_end is not None:
        to_class["classEndDate"] = target_end.isoformat()
    return {
        "transfer": {
            "fromEnrollment": enrollment(**extra),
            "toClass": to_class,
            "transferDate": (today() + timedelta(days=transfer_in)).isoformat(),
            "autoApproved": auto_approved,
        }
    }


async def enrollments(services: Services) -> tuple[Enrollment, list[Enrollment]]:
    """The transferred enrollment and the ones transferred from it."""
    async with services.database.read() as session:
        original = await session.scalar(
            select(Enrollment).where(Enrollment.external_id == "enr-ann-swim")
        )
        assert original is not None
        new = await session.scalars(
            select(Enrollment).where(Enrollment.transferred_from_id == original.id)
        )
        return original, list(new)


async def test_an_auto_approved_transfer_creates_the_new_enrollment(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment due to drop in 60 days, and a target class ending in 40
    drop = today() + timedelta(days=60)
    class_end = today() + timedelta(days=40)

    # when the portal records a transfer in 14 days it auto-approved
    payload = await record(
        api,
        world.riverside,
        "evt-1",
        transfer(original_drop=drop, target_end=class_end),
    )

    # then the entry is approved, and the student is enrolled in the new class
    # from the transfer date, dropping when that class ends
    assert payload["userErrors"] == []
    assert payload["entries"][0]["status"] == "APPROVED"
    original, [new] = await enrollments(services)
    transfer_date = today() + timedelta(days=14)
    async with services.database.read() as session:
        target_class = await session.scalar(
            select(ClassOffering.external_id).where(ClassOffering.id == new.class_id)
        )
    assert (target_class, new.status, new.start_date, new.drop_date, new.type) == (
        "cls-dive",
        "ACTIVE",
        transfer_date,
        class_end,
        "STANDARD",
    )
    # and the previous class drops the day before the transfer date
    assert (original.status, original.drop_date) == (
        "ACTIVE",
        transfer_date - timedelta(days=1),
    )


async def test_a_second_auto_approved_transfer_from_the_same_enrollment_is_refused(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment the portal already transferred
    await record(api, world.riverside, "evt-1", transfer())
    before = await row_counts(services.database)

    # when the portal sends another auto-approved transfer from it
    payload = await record(
        api, world.riverside, "evt-2", transfer(transfer_in=20, target="cls-gym")
    )

    # then it is refused and nothing is recorded
    assert payload["entries"] == []
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("TRANSFER_ALREADY_EXISTS", ["input", "event", "transfer", "fromEnrollment"])
    ]
    assert await row_counts(services.database) == before
    _, [only] = await enrollments(services)
    assert only.start_date == today() + timedelta(days=14)
    nodes, _ = await window(api, world.riverside)
    assert len(nodes) == 1


async def test_an_auto_approved_transfer_the_dates_refuse_records_nothing(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment due to drop before the transfer date
    before = await row_counts(services.database)

    # when the portal sends an auto-approved transfer after that drop
    payload = await record(
        api,
        world.riverside,
        "evt-1",
        transfer(transfer_in=30, original_drop=today() + timedelta(days=10)),
    )

    # then it is refused, naming the transfer date, and nothing is recorded
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_TRANSFER_DATE", ["input", "event", "transfer", "transferDate"])
    ]
    assert await row_counts(services.database) == before


async def test_a_requested_transfer_creates_nothing_until_staff_approve(
    api: Api, world: World, services: Services
) -> None:
    # given a transfer the family only requested
    payload = await record(api, world.riverside, "evt-1", transfer(auto_approved=False))
    assert payload["entries"][0]["status"] == "PENDING"

    # then no enrollment is created and the original keeps its dates
    original, created = await enrollments(services)
    assert created == []
    assert original.drop_date is None

    # when staff approve it
    entry_id = payload["entries"][0]["id"]
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)

    # then the same transfer is made
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    original, [new] = await enrollments(services)
    transfer_date = today() + timedelta(days=14)
    assert (new.start_date, new.drop_date) == (transfer_date, None)
    assert original.drop_date == transfer_date - timedelta(days=1)
