"""A portal event never replaces a fact we know with a schema default.

Each event carries the records it refers to with their descriptive fields;
a field the portal leaves out is unknown, not its default: an enrollment
known to be TRIAL stays TRIAL when a drop names it without its type, a
class keeps its capacity and end dates, a booking its location and student.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import AppointmentBooking, ClassOffering, Enrollment
from service.services import Services
from tests.api.ingestion_support import (
    ANN,
    NORTH,
    booking,
    enrollment,
    record,
    swim_class,
    window,
)
from tests.support import Api, World


async def stored_enrollment_type(services: Services, external_id: str) -> str | None:
    async with services.database.read() as session:
        value: str | None = await session.scalar(
            select(Enrollment.type).where(Enrollment.external_id == external_id)
        )
        return value


def drops(nodes: list[dict[str, Any]]) -> list[tuple[str | None, str | None]]:
    return [
        (n["enrollmentType"], n["studentLabel"]) for n in nodes if n["__typename"] == "DropActivity"
    ]


async def test_a_drop_without_the_type_keeps_a_trial_enrollment_trial(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment the portal told us is a TRIAL (through an absence)
    trial = enrollment(type="TRIAL")
    absence = {"externalId": "abs-1", "absenceDate": "2031-05-02", "enrollments": [trial]}
    await record(api, world.riverside, "evt-1", {"absence": absence})
    assert await stored_enrollment_type(services, "enr-ann-swim") == "TRIAL"

    # when the family asks to drop it and the portal leaves the type out
    drop = {"enrollment": enrollment(), "dropDate": "2031-06-30", "reason": "Moving"}
    payload = await record(api, world.riverside, "evt-2", {"drop": drop})

    # then the enrollment is still a TRIAL, and the drop entry says so
    assert payload["userErrors"] == []
    assert await stored_enrollment_type(services, "enr-ann-swim") == "TRIAL"
    nodes, _ = await window(api, world.riverside)
    assert drops(nodes) == [("TRIAL", "Ann Lee (TRIAL)")]


async def test_an_enrollment_first_seen_without_its_type_is_of_unknown_type(
    api: Api, world: World, services: Services
) -> None:
    # given a drop naming an enrollment we never saw, without its type
    drop = {"enrollment": enrollment(), "dropDate": "2031-06-30", "reason": "Moving"}
    await record(api, world.riverside, "evt-1", {"drop": drop})

    # then its type is unknown: not STANDARD, and no label is invented
    assert await stored_enrollment_type(services, "enr-ann-swim") is None
    nodes, _ = await window(api, world.riverside)
    assert drops(nodes) == [(None, "Ann Lee")]

    # and when a later event says it is a TRIAL, that is what we know from then on
    again = {"enrollment": enrollment(type="TRIAL"), "dropDate": "2031-07-31", "reason": "Moving"}
    await record(api, world.riverside, "evt-2", {"drop": again})
    assert await stored_enrollment_type(services, "enr-ann-swim") == "TRIAL"


async def test_a_class_keeps_its_capacity_and_end_dates_unless_the_portal_sends_them(
    api: Api, world: World, services: Services
) -> None:
    # given a class the portal described fully
    full = {
        **swim_class(),
        "capacity": 8,
        "classEndDate": "2031-12-19",
        "sessionEndDate": "2031-08-29",
    }
    first = {"enrollment": enrollment(offering=full), "dropDate": "2031-06-30", "reason": "x"}
    await record(api, world.riverside, "evt-1", {"drop": first})

    # when another event names it with its name and location only
    bare = {"externalId": "cls-swim", "name": "Swim 1", "location": NORTH}
    other = enrollment("enr-ben", offering=bare, student={**ANN, "externalId": "stu-ben"})
    await record(
        api, world.riverside, "evt-2", {"drop": {"enrollment": other, "dropDate": "2031-06-30"}}
    )

    # then what we knew of the class is kept
    async with services.database.read() as session:
        offering = await session.scalar(
            select(ClassOffering).where(ClassOffering.external_id == "cls-swim")
        )
    assert offering is not None
    assert (offering.capacity, str(offering.class_end_date), str(offering.session_end_date)) == (
        8,
        "2031-12-19",
        "2031-08-29",
    )

    # and an explicit null still says "unlimited" / "no end date"
    cleared = {**bare, "capacity": None, "classEndDate": None}
    third = enrollment(offering=cleared)
    await record(
        api, world.riverside, "evt-3", {"drop": {"enrollment": third, "dropDate": "2031-06-30"}}
    )
    async with services.database.read() as session:
        offering = await session.scalar(
            select(ClassOffering)
            .where(ClassOffering.external_id == "cls-swim")
            .execution_options(populate_existing=True)
        )
    assert offering is not None
    assert (offering.capacity, offering.class_end_date, str(offering.session_end_date)) == (
        None,
        None,
        "2031-08-29",
    )


async def test_a_booking_keeps_its_location_and_student_when_an_event_leaves_them_out(
    api: Api, world: World, services: Services
) -> None:
    # given a requested appointment at North Pool for Ann
    await record(api, world.riverside, "evt-1", {"appointment": {"booking": booking("bk-1")}})

    # when the portal reports its cancellation with the booking's id, title and time only
    bare = booking("bk-1")
    del bare["location"], bare["student"]
    await record(api, world.riverside, "evt-2", {"appointmentCanceled": {"booking": bare}})

    # then the booking still has its location and student, and so does the new entry
    async with services.database.read() as session:
        stored = await session.scalar(
            select(AppointmentBooking).where(AppointmentBooking.external_id == "bk-1")
        )
    assert stored is not None
    assert stored.location_id == world.riverside.locations["north"]
    assert stored.student_id is not None
    nodes, _ = await window(api, world.riverside)
    canceled = [n for n in nodes if n["__typename"] == "AppointmentCanceledActivity"]
    assert [(n["location"], n["student"]) for n in canceled] == [
        ({"externalId": "north"}, {"externalId": "stu-ann"})
    ]
