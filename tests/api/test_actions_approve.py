"""Approving requests: what each type's approval does, through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.vocabulary import ActivityType, WindowStatus
from models import Absence, AppointmentBooking, Enrollment
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) {
    approvedCount
    results { id outcome code message entry { __typename ... on ActivityEntry { version } } }
    userErrors { code message field }
  }
}
"""
APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) {
    result { id outcome code message }
    userErrors { code message field }
  }
}
"""
BADGE = "{ activityBadge { waiting pending } }"
SEQUENCES = """
{ onlineActivity { ... on ActivityConnection { nodes { ... on ActivityEntry { sequence } } } } }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The edit lock is tested in its own suite; these tests act without it."""
    return settings.replace(require_edit_lock=False)


async def approve(api: Api, token: str, *ids: str) -> list[dict[str, object]]:
    data = await api.data(APPROVE_MANY, {"input": {"ids": list(ids)}}, token)
    payload = data["approveActivities"]
    assert payload["userErrors"] == []
    results: list[dict[str, object]] = payload["results"]
    return results


async def approve_one(api: Api, token: str, **fields: object) -> dict[str, object]:
    data = await api.data(APPROVE_ONE, {"input": fields}, token)
    payload: dict[str, object] = data["approveActivity"]
    return payload


async def test_approving_an_enrollment_request_activates_the_enrollment(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment request in a class with room
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north, capacity=5)
    entry_id, enrollment_id = await make.enrollment_request(db, org, north, fam, class_id)
    # when staff approve it
    [result] = await approve(api, world.riverside.full, make.gid("ENROLLMENT", entry_id))
    # then the enrollment is active and the request left the window
    assert result["outcome"] == "APPROVED"
    enrollment = await make.load(db, Enrollment, enrollment_id)
    assert enrollment is not None and enrollment.status == "ACTIVE"
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"] == {
        "waiting": 0,
        "pending": 0,
    }


async def test_mass_approve_never_overbooks_and_takes_seats_oldest_first(
    api: Api, world: World, services: Services
) -> None:
    # given a class with one seat left and two requests for it
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org, students=("Ann", "Ben"))
    class_id, _ = await make.klass(db, org, north, capacity=2)
    await make.enrollment(db, org, fam.student_ids[1], class_id)
    earlier = make.now() - timedelta(hours=3)
    newer, newer_enrollment = await make.enrollment_request(db, org, north, fam, class_id)
    older, older_enrollment = await make.enrollment_request(
        db, org, north, fam, class_id, occurred_at=earlier
    )
    # when both are mass approved (newest checked first)
    results = await approve(
        api, world.riverside.full, make.gid("ENROLLMENT", newer), make.gid("ENROLLMENT", older)
    )
    # then the older request took the seat and the newer one was refused as full
    assert [(r["outcome"], r["code"]) for r in results] == [
        ("FAILED", "CLASS_FULL"),
        ("APPROVED", None),
    ]
    assert (await make.load(db, Enrollment, older_enrollment)).status == "ACTIVE"  # type: ignore[union-attr]
    assert (await make.load(db, Enrollment, newer_enrollment)).status == "REQUESTED"  # type: ignore[union-attr]
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"]["pending"] == 1


async def test_single_approve_overbooks_only_when_staff_say_so(
    api: Api, world: World, services: Services
) -> None:
    # given a full class and a request for it
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org, students=("Ann", "Ben"))
    class_id, _ = await make.klass(db, org, north, capacity=1)
    await make.enrollment(db, org, fam.student_ids[1], class_id)
    entry_id, enrollment_id = await make.enrollment_request(db, org, north, fam, class_id)
    gid = make.gid("ENROLLMENT", entry_id)
    # when approved without the override it is refused
    refused = await approve_one(api, world.riverside.full, id=gid)
    assert refused["result"]["outcome"] == "FAILED"  # type: ignore[index]
    assert [e["code"] for e in refused["userErrors"]] == ["CLASS_FULL"]  # type: ignore[attr-defined]
    # and with overbook it is approved
    accepted = await approve_one(api, world.riverside.full, id=gid, overbook=True)
    assert accepted == {
        "result": {"id": gid, "outcome": "APPROVED", "code": None, "message": None},
        "userErrors": [],
    }
    assert (await make.load(db, Enrollment, enrollment_id)).status == "ACTIVE"  # type: ignore[union-attr]


async def test_approving_a_drop_sets_the_drop_date_and_reason(
    api: Api, world: World, services: Services
) -> None:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    drop_date = make.today() + timedelta(days=40)
    entry_id = await make.drop_request(db, org, north, fam, enrollment_id, drop_date=drop_date)
    [result] = await approve(api, world.riverside.full, make.gid("DROP", entry_id))
    assert result["outcome"] == "APPROVED"
    enrollment = await make.load(db, Enrollment, enrollment_id)
    assert enrollment is not None
    # the student stays active until the drop date
    assert (enrollment.drop_date, enrollment.drop_reason, enrollment.status) == (
        drop_date,
        "Moving away",
        "ACTIVE",
    )


@pytest.mark.parametrize(
    ("days_ahead", "reason", "code"),
    [(10, "Moving away", "NOTICE_PERIOD_NOT_MET"), (40, "  ", "DROP_REASON_REQUIRED")],
)
async def test_a_drop_without_notice_or_reason_is_refused_and_kept(
    api: Api, world: World, services: Services, days_ahead: int, reason: str, code: str
) -> None:
    # "requiring 30 days notice of an intended drop"; "including a valid Drop Reason"
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    entry_id = await make.drop_request(
        db,
        org,
        north,
        fam,
        enrollment_id,
        drop_date=make.today() + timedelta(days=days_ahead),
        reason=reason,
    )
    [result] = await approve(api, world.riverside.full, make.gid("DROP", entry_id))
    assert (result["outcome"], result["code"]) == ("FAILED", code)
    enrollment = await make.load(db, Enrollment, enrollment_id)
    assert enrollment is not None and enrollment.drop_date is None
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"]["pending"] == 1


async def test_approving_an_absence_and_appointments_takes_effect_on_their_records(
    api: Api, world: World, services: Services
) -> None:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    absence_entry, absence_id = await make.absence_request(db, org, north, fam, enrollment_id)
    booking_id = await make.booking(db, org, north, fam)
    appointment_entry = await make.entry(
        db,
        org,
        ActivityType.APPOINTMENT,
        status=WindowStatus.PENDING,
        location_id=north,
        family_id=fam.id,
        appointment_id=booking_id,
    )
    original = await make.booking(db, org, north, fam, status="BOOKED")
    moved = await make.booking(db, org, north, fam, rescheduled_from=original)
    reschedule_entry = await make.entry(
        db,
        org,
        ActivityType.APPOINTMENT_RESCHEDULE,
        status=WindowStatus.PENDING,
        location_id=north,
        family_id=fam.id,
        appointment_id=moved,
    )
    results = await approve(
        api,
        world.riverside.full,
        make.gid("ABSENCE", absence_entry),
        make.gid("APPOINTMENT", appointment_entry),
        make.gid("APPOINTMENT_RESCHEDULE", reschedule_entry),
    )
    assert [r["outcome"] for r in results] == ["APPROVED"] * 3
    assert (await make.load(db, Absence, absence_id)).status == "APPROVED"  # type: ignore[union-attr]
    async with db.read() as session:
        statuses = dict(
            (await session.execute(select(AppointmentBooking.id, AppointmentBooking.status))).all()
        )
    assert statuses == {booking_id: "BOOKED", original: "RESCHEDULED", moved: "BOOKED"}


async def test_approving_needs_full_rights_on_the_entry_types_task(
    api: Api, world: World, services: Services
) -> None:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    entry_id, enrollment_id = await make.enrollment_request(db, org, north, fam, class_id)
    gid = make.gid("ENROLLMENT", entry_id)
    # a VIEW-only staff member is refused as a whole
    data = await api.data(APPROVE_MANY, {"input": {"ids": [gid]}}, world.riverside.view_only)
    assert [e["code"] for e in data["approveActivities"]["userErrors"]] == ["ACCESS_DENIED"]
    # one without the Enrollments task is refused for this item
    [result] = await approve(api, world.riverside.no_enrollments, gid)
    assert (result["outcome"], result["code"]) == ("FAILED", "ACCESS_DENIED")
    assert (await make.load(db, Enrollment, enrollment_id)).status == "REQUESTED"  # type: ignore[union-attr]


async def test_approving_all_matching_stops_at_the_watermark(
    api: Api, world: World, services: Services
) -> None:
    # given two absence requests the staff member saw, and one that arrived later
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    seen = [(await make.absence_request(db, org, north, fam, enrollment_id))[0] for _ in range(2)]
    window = await api.data(SEQUENCES, token=world.riverside.full)
    watermark = max(n["sequence"] for n in window["onlineActivity"]["nodes"])
    late, _ = await make.absence_request(db, org, north, fam, enrollment_id)
    # when "all pending" is approved up to the watermark
    data = await api.data(
        APPROVE_MANY,
        {"input": {"all": {"status": "PENDING"}, "watermark": watermark}},
        world.riverside.full,
    )
    # then only the entries seen were approved
    payload = data["approveActivities"]
    assert payload["approvedCount"] == 2
    assert sorted(r["id"] for r in payload["results"]) == sorted(
        make.gid("ABSENCE", i) for i in seen
    )
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"]["pending"] == 1
    assert late not in seen
