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
from tests.api.ingestion_support import enrollment as portal_enrollment
from tests.api.ingestion_support import record, swim_class
from tests.api.settings_support import set_settings
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
    return settings.replace(require_edit_lock=False)


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


SUGGESTED = """
query($id: ID!) {
  node(id: $id) { ... on TransferActivity { currentDropDate suggestedPreviousClassDropDate } }
}
"""


@pytest.mark.parametrize(
    "staff_date_in",
    [
        pytest.param(None, id="the-suggested-default"),
        pytest.param(5, id="the-existing-drop-date-given-back"),
        pytest.param(9, id="a-later-date-staff-choose"),
        pytest.param(13, id="the-day-before-the-transfer"),
    ],
)
async def test_a_transfer_after_an_earlier_drop_date_is_approvable(
    api: Api, world: World, services: Services, staff_date_in: int | None
) -> None:
    # given an enrollment already dropping in 5 days, transferred in 14
    transfer = await given_transfer(
        services, world, original_drop=make.today() + timedelta(days=5), transfer_in=14
    )

    # then the window suggests that existing drop date for the previous class
    shown = await api.data(SUGGESTED, {"id": transfer.entry}, world.riverside.full)
    suggested = (make.today() + timedelta(days=5)).isoformat()
    assert shown["node"]["suggestedPreviousClassDropDate"] == suggested

    # when staff approve it with the suggestion, or a date of theirs up to the day before
    fields: dict[str, object] = {"id": transfer.entry}
    if staff_date_in is not None:
        fields["previousClassDropDate"] = (make.today() + timedelta(days=staff_date_in)).isoformat()
    data = await api.data(APPROVE_ONE, {"input": fields}, world.riverside.full)

    # then it is approved: the previous class drops on that date, and the new enrollment
    # starts on the transfer date without a drop date that would end it before it starts
    assert data["approveActivity"] == {
        "result": {"outcome": "APPROVED", "code": None},
        "userErrors": [],
    }
    original, new = await enrollments(services, transfer)
    assert original.drop_date == make.today() + timedelta(days=staff_date_in or 5)
    assert original.status == "ACTIVE"
    assert new is not None
    assert (new.start_date, new.drop_date, new.status) == (
        make.today() + timedelta(days=14),
        None,
        "ACTIVE",
    )


async def test_the_suggested_drop_date_is_the_enrollments_as_it_is_now(
    api: Api, world: World, services: Services
) -> None:
    # given a transfer request in 20 days recorded while the enrollment had no drop date,
    # and a drop request for the same enrollment in 35 days
    await set_settings(api, world.riverside, dropNoticeDays=0)
    transfer_date = make.today() + timedelta(days=20)
    transfer = await record(
        api,
        world.riverside,
        "evt-transfer",
        {
            "transfer": {
                "fromEnrollment": portal_enrollment(),
                "toClass": swim_class("cls-dive", name="Dive 2"),
                "transferDate": transfer_date.isoformat(),
            }
        },
    )
    transfer_id = transfer["entries"][0]["id"]
    before = await api.data(SUGGESTED, {"id": transfer_id}, world.riverside.full)
    assert before["node"] == {
        "currentDropDate": None,
        "suggestedPreviousClassDropDate": (transfer_date - timedelta(days=1)).isoformat(),
    }
    drop = await record(
        api,
        world.riverside,
        "evt-drop",
        {
            "drop": {
                "enrollment": portal_enrollment(),
                "dropDate": (make.today() + timedelta(days=10)).isoformat(),
                "reason": "Moving away",
            }
        },
    )

    # when staff approve the drop first
    approved = await api.data(
        APPROVE_ONE, {"input": {"id": drop["entries"][0]["id"]}}, world.riverside.full
    )
    assert approved["approveActivity"]["result"]["outcome"] == "APPROVED"

    # then the transfer suggests the enrollment's drop date as it is now...
    after = await api.data(SUGGESTED, {"id": transfer_id}, world.riverside.full)
    dropping = (make.today() + timedelta(days=10)).isoformat()
    assert after["node"] == {
        "currentDropDate": dropping,
        "suggestedPreviousClassDropDate": dropping,
    }
    # ...which is the date approving it as suggested uses
    data = await api.data(APPROVE_ONE, {"input": {"id": transfer_id}}, world.riverside.full)
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    async with services.database.read() as session:
        original = await session.scalar(
            select(Enrollment).where(Enrollment.external_id == "enr-ann-swim")
        )
    assert original is not None and original.drop_date == make.today() + timedelta(days=10)


async def test_a_request_for_a_makeup_enrollment_keeps_its_type(
    api: Api, world: World, services: Services
) -> None:
    # "iClassPro will not allow you to edit the enrollment type if the transfer request is
    # for a Makeup enrollment": given a family asking to transfer into a Makeup
    payload = await record(
        api,
        world.riverside,
        "evt-1",
        {
            "transfer": {
                "fromEnrollment": portal_enrollment(),
                "toClass": swim_class("cls-dive", name="Dive 2"),
                "transferDate": (make.today() + timedelta(days=14)).isoformat(),
                "enrollmentType": "MAKEUP",
            }
        },
    )
    entry_id = payload["entries"][0]["id"]

    # when staff approve it as a Standard enrollment, it is refused and nothing changes
    data = await api.data(
        APPROVE_ONE,
        {"input": {"id": entry_id, "enrollmentType": "STANDARD"}},
        world.riverside.full,
    )
    assert data["approveActivity"]["userErrors"] == [
        {"code": "ENROLLMENT_TYPE_LOCKED", "field": ["input", "enrollmentType"]}
    ]
    async with services.database.read() as session:
        made = list(
            await session.scalars(
                select(Enrollment).where(Enrollment.transferred_from_id.is_not(None))
            )
        )
    assert made == []

    # when they approve it as asked, the new enrollment is a Makeup
    data = await api.data(APPROVE_ONE, {"input": {"id": entry_id}}, world.riverside.full)
    assert data["approveActivity"]["result"] == {"outcome": "APPROVED", "code": None}
    async with services.database.read() as session:
        new = await session.scalar(
            select(Enrollment).where(Enrollment.transferred_from_id.is_not(None))
        )
    assert new is not None and new.type == "MAKEUP"
