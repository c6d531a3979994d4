"""A transfer the portal auto-approved ("Transfers - Enrollment Transfer
requests and auto-approvals") is applied when it is recorded, exactly as
staff approval applies a requested one; one a rule refuses is still
recorded, as a request staff see with the reason ("nothing a family sent is
lost"), and a request still waits for staff."""

from __future__ import annotations

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
DENY_ONE = """
mutation($input: DenyActivityInput!) {
  denyActivity(input: $input) { result { outcome code } userErrors { code field } }
}
"""
NOT_APPLIED = """
query($id: ID!) {
  node(id: $id) { ... on ActivityEntry { status availableActions notApplied { code message } } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


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
    assert (payload["userErrors"], payload["notApplied"]) == ([], [])
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


async def test_a_second_auto_approved_transfer_is_recorded_for_staff_with_the_reason(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment the portal already transferred
    await record(api, world.riverside, "evt-1", transfer())

    # when the portal sends another auto-approved transfer from it
    payload = await record(
        api, world.riverside, "evt-2", transfer(transfer_in=20, target="cls-gym")
    )

    # then it is recorded (no userErrors: nothing was refused), waiting for staff...
    assert payload["userErrors"] == []
    [entry] = payload["entries"]
    assert entry["status"] == "PENDING"
    # ...and the portal hears why it was not applied as sent, naming the entry
    assert [(n["entryId"], n["code"], n["field"]) for n in payload["notApplied"]] == [
        (
            entry["id"],
            "TRANSFER_ALREADY_EXISTS",
            ["input", "event", "transfer", "fromEnrollment"],
        )
    ]
    # and staff see the same reason on the entry
    shown = await api.data(NOT_APPLIED, {"id": entry["id"]}, world.riverside.full)
    assert shown["node"]["notApplied"]["code"] == "TRANSFER_ALREADY_EXISTS"
    assert shown["node"]["availableActions"] == ["APPROVE", "DENY"]
    # and no second enrollment was made
    _, [only] = await enrollments(services)
    assert only.start_date == today() + timedelta(days=14)
    nodes, badge = await window(api, world.riverside)
    assert len(nodes) == 2 and badge["pending"] == 1

    # when the portal retries the same event, it gets the same answer and nothing new
    before = await row_counts(services.database)
    again = await record(api, world.riverside, "evt-2", transfer(transfer_in=20, target="cls-gym"))
    assert (again["replayed"], again["userErrors"], again["notApplied"], again["entries"]) == (
        True,
        [],
        payload["notApplied"],
        payload["entries"],
    )
    assert await row_counts(services.database) == before

    # and staff can act on it: deny it
    denied = await api.data(DENY_ONE, {"input": {"id": entry["id"]}}, world.riverside.full)
    assert denied["denyActivity"]["result"]["outcome"] == "DENIED"


async def test_an_auto_approved_transfer_into_a_class_that_ends_before_waits_for_staff(
    api: Api, world: World, services: Services
) -> None:
    # given a target class that ends before the transfer date
    payload = await record(
        api,
        world.riverside,
        "evt-1",
        transfer(transfer_in=30, target_end=today() + timedelta(days=20)),
    )

    # then it is recorded as a request staff see, naming the rule, and nothing is transferred
    assert payload["userErrors"] == []
    [entry] = payload["entries"]
    assert [(n["entryId"], n["code"], n["field"]) for n in payload["notApplied"]] == [
        (entry["id"], "INVALID_TRANSFER_DATE", ["input", "event", "transfer", "transferDate"])
    ]
    assert entry["status"] == "PENDING"
    original, created = await enrollments(services)
    assert created == [] and original.drop_date is None
    nodes, _ = await window(api, world.riverside, {"status": "PENDING"})
    assert [n["id"] for n in nodes] == [entry["id"]]
    shown = await api.data(NOT_APPLIED, {"id": entry["id"]}, world.riverside.full)
    assert "ends before the transfer date" in shown["node"]["notApplied"]["message"]


async def test_an_auto_approved_transfer_after_an_earlier_drop_is_applied(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment due to drop in 10 days, transferred in 30
    drop = today() + timedelta(days=10)

    # when the portal records the transfer it auto-approved
    payload = await record(
        api, world.riverside, "evt-1", transfer(transfer_in=30, original_drop=drop)
    )

    # then it is applied: the previous class keeps its drop date (the spec's default),
    # and the new enrollment starts on the transfer date without carrying a drop
    # date that would end it before it starts
    assert (payload["userErrors"], payload["notApplied"]) == ([], [])
    assert payload["entries"][0]["status"] == "APPROVED"
    original, [new] = await enrollments(services)
    assert (original.drop_date, original.status) == (drop, "ACTIVE")
    assert (new.start_date, new.drop_date, new.status) == (
        today() + timedelta(days=30),
        None,
        "ACTIVE",
    )


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


async def test_an_auto_approved_transfer_for_a_makeup_keeps_the_makeup_type(
    api: Api, world: World, services: Services
) -> None:
    # given the portal auto-approved a transfer asking for a Makeup enrollment
    asked = transfer()
    asked["transfer"]["enrollmentType"] = "MAKEUP"
    payload = await record(api, world.riverside, "evt-1", asked)

    # then the new enrollment is a Makeup
    assert (payload["userErrors"], payload["notApplied"]) == ([], [])
    _, [new] = await enrollments(services)
    assert new.type == "MAKEUP"


async def test_an_auto_approved_transfer_changing_a_makeups_type_waits_for_staff(
    api: Api, world: World, services: Services
) -> None:
    # given a Makeup enrollment the portal auto-approved a transfer of as a Standard one
    asked = transfer()
    asked["transfer"]["fromEnrollment"]["type"] = "MAKEUP"
    asked["transfer"]["enrollmentType"] = "STANDARD"
    payload = await record(api, world.riverside, "evt-1", asked)

    # then it is recorded for staff with the rule's reason, and nothing is transferred
    assert payload["userErrors"] == []
    assert [(n["code"], n["field"]) for n in payload["notApplied"]] == [
        ("ENROLLMENT_TYPE_LOCKED", ["input", "event", "transfer", "enrollmentType"])
    ]
    assert payload["entries"][0]["status"] == "PENDING"
    _, created = await enrollments(services)
    assert created == []

    # and staff approve it as a Makeup (not an edit of its type)
    entry_id = payload["entries"][0]["id"]
    data = await api.data(
        APPROVE_ONE, {"input": {"id": entry_id, "enrollmentType": "MAKEUP"}}, world.riverside.full
    )
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    _, [new] = await enrollments(services)
    assert new.type == "MAKEUP"
