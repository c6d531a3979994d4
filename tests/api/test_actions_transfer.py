"""Approving transfer requests: the new enrollment and the previous class's drop date."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Enrollment
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) {
    result { outcome code }
    userErrors { code field }
  }
}
"""
APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) { results { outcome code } userErrors { code } }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, require_edit_lock=False)


@dataclasses.dataclass
class Transfer:
    entry: str
    original: int
    target_class: int


async def given_transfer(
    services: Services,
    world: World,
    *,
    original_drop: date | None = None,
    transfer_in: int = 14,
    target_end: date | None = None,
    kind: str = "STANDARD",
) -> Transfer:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    from_class, _ = await make.klass(db, org, north, "Swim 1")
    to_class, _ = await make.klass(
        db, org, north, "Swim 2", capacity=10, session_end_date=target_end
    )
    original = await make.enrollment(
        db,
        org,
        fam.student_ids[0],
        from_class,
        kind=kind,
        start_date=make.today() - timedelta(days=200),
        drop_date=original_drop,
    )
    entry_id = await make.transfer_request(
        db,
        org,
        north,
        fam,
        original,
        to_class,
        transfer_date=make.today() + timedelta(days=transfer_in),
    )
    return Transfer(make.gid("TRANSFER", entry_id), original, to_class)


async def enrollments(
    services: Services, transfer: Transfer
) -> tuple[Enrollment, Enrollment | None]:
    async with services.database.read() as session:
        original = await session.get(Enrollment, transfer.original)
        new = await session.scalar(
            select(Enrollment).where(Enrollment.transferred_from_id == transfer.original)
        )
    assert original is not None
    return original, new


async def test_transfer_creates_the_new_enrollment_and_drops_the_old_the_day_before(
    api: Api, world: World, services: Services
) -> None:
    # given a transfer in 14 days from an enrollment without a drop date
    transfer = await given_transfer(services, world)
    # when staff approve it as suggested
    data = await api.data(APPROVE_ONE, {"input": {"id": transfer.entry}}, world.riverside.full)
    # then the student is enrolled in the new class from the transfer date
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    original, new = await enrollments(services, transfer)
    transfer_date = make.today() + timedelta(days=14)
    assert new is not None
    assert (new.class_id, new.status, new.start_date, new.drop_date, new.type) == (
        transfer.target_class,
        "ACTIVE",
        transfer_date,
        None,
        "STANDARD",
    )
    # and "Drop Date For Previous Class" defaulted to the day before the transfer
    assert original.drop_date == transfer_date - timedelta(days=1)


async def test_a_future_drop_date_is_carried_over_clamped_to_the_session_end(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment dropping in 60 days, moving to a class whose session ends in 40
    session_end = make.today() + timedelta(days=40)
    transfer = await given_transfer(
        services, world, original_drop=make.today() + timedelta(days=60), target_end=session_end
    )
    await api.data(APPROVE_MANY, {"input": {"ids": [transfer.entry]}}, world.riverside.full)
    _, new = await enrollments(services, transfer)
    # "the drop date will be adjusted to match the class end date instead"
    assert new is not None and new.drop_date == session_end


async def test_a_future_drop_date_before_the_class_end_is_carried_as_is(
    api: Api, world: World, services: Services
) -> None:
    drop = make.today() + timedelta(days=30)
    transfer = await given_transfer(
        services, world, original_drop=drop, target_end=make.today() + timedelta(days=90)
    )
    await api.data(APPROVE_ONE, {"input": {"id": transfer.entry}}, world.riverside.full)
    original, new = await enrollments(services, transfer)
    assert new is not None and new.drop_date == drop
    # the original's later drop date gives way to the day before the transfer
    assert original.drop_date == make.today() + timedelta(days=13)


async def test_an_earlier_existing_drop_date_is_kept_for_the_previous_class(
    api: Api, world: World, services: Services
) -> None:
    # "unless any drop date exists on the original enrollment that is prior to the
    # transfer date": here one already past
    past = make.today() - timedelta(days=3)
    transfer = await given_transfer(services, world, original_drop=past)
    await api.data(APPROVE_ONE, {"input": {"id": transfer.entry}}, world.riverside.full)
    original, new = await enrollments(services, transfer)
    assert original.drop_date == past and original.status == "TRANSFERRED"
    assert new is not None and new.drop_date is None


async def test_editing_the_previous_class_drop_date_updates_the_original(
    api: Api, world: World, services: Services
) -> None:
    transfer = await given_transfer(services, world)
    chosen = make.today() + timedelta(days=20)
    await api.data(
        APPROVE_ONE,
        {"input": {"id": transfer.entry, "previousClassDropDate": chosen.isoformat()}},
        world.riverside.full,
    )
    original, _ = await enrollments(services, transfer)
    assert original.drop_date == chosen and original.status == "ACTIVE"


async def test_a_second_transfer_from_the_same_enrollment_is_refused(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment already transferred once, and a second request for it
    transfer = await given_transfer(services, world)
    await api.data(APPROVE_ONE, {"input": {"id": transfer.entry}}, world.riverside.full)
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    other_class, _ = await make.klass(db, org, north, "Swim 3")
    fam = await make.family(db, org)
    second = await make.transfer_request(
        db,
        org,
        north,
        fam,
        transfer.original,
        other_class,
        transfer_date=make.today() + timedelta(days=20),
    )
    data = await api.data(
        APPROVE_ONE, {"input": {"id": make.gid("TRANSFER", second)}}, world.riverside.full
    )
    assert data["approveActivity"]["result"] == {
        "outcome": "FAILED",
        "code": "TRANSFER_ALREADY_EXISTS",
    }


async def test_the_type_of_a_makeup_transfer_cannot_be_changed(
    api: Api, world: World, services: Services
) -> None:
    transfer = await given_transfer(services, world, kind="MAKEUP")
    data = await api.data(
        APPROVE_ONE,
        {"input": {"id": transfer.entry, "enrollmentType": "STANDARD"}},
        world.riverside.full,
    )
    assert data["approveActivity"]["userErrors"] == [
        {"code": "ENROLLMENT_TYPE_LOCKED", "field": ["input", "enrollmentType"]}
    ]
    _, new = await enrollments(services, transfer)
    assert new is None
    # while keeping MAKEUP goes through
    data = await api.data(APPROVE_ONE, {"input": {"id": transfer.entry}}, world.riverside.full)
    _, new = await enrollments(services, transfer)
    assert new is not None and new.type == "MAKEUP"
