"""One helper per kind of portal event, as the demo story uses them.

Each records what the customer portal would have: the records an
event refers to, and the window entry with its kind's facts (its details
model in ``domain/kinds/``, which checks them as it checks ingestion's).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from domain.kinds import absence as absence_kind
from domain.kinds import appointment as appointment_kind
from domain.kinds import appointment_canceled as appointment_canceled_kind
from domain.kinds import appointment_reschedule as appointment_reschedule_kind
from domain.kinds import drop as drop_kind
from domain.kinds import enrollment as enrollment_kind
from domain.kinds import gift_card as gift_card_kind
from domain.kinds import online_order as online_order_kind
from domain.kinds import party as party_kind
from domain.kinds import payment as payment_kind
from domain.kinds import transfer as transfer_kind
from models import EnrollmentNote
from models.statuses import AppointmentStatus, EnrollmentStatus
from service.demo.records import CLASSES, DemoBuilder

BOOKED = AppointmentStatus.BOOKED
REQUESTED = AppointmentStatus.REQUESTED


def _family(student: str) -> str:
    return student.split("/")[0]


def _starts(d: DemoBuilder, when: datetime, in_days: int, hour: int = 16) -> datetime:
    return datetime.combine(d.day(when, in_days), time(hour, 0), tzinfo=UTC)


async def enrollment(
    d: DemoBuilder,
    days: int,
    student: str,
    class_key: str,
    *,
    auto: bool = False,
    punch_pass: bool = False,
    enrollment_type: str = "STANDARD",
    notes: str | None = None,
) -> None:
    when = d.at(days)
    start = d.day(when, 7)
    row = await d.enrollment_row(
        student,
        class_key,
        status=EnrollmentStatus.ACTIVE if auto else EnrollmentStatus.REQUESTED,
        enrollment_type=enrollment_type,
        start=start,
        punch_pass=punch_pass,
    )
    if notes:
        d.session.add(EnrollmentNote(enrollment_id=row.id, text=notes))
    d.entry(
        enrollment_kind.NAME,
        when,
        _family(student),
        student,
        location=d.location_of(class_key),
        notes=notes,
        auto_approved=auto,
        links={"enrollment_id": row.id},
        class_name=CLASSES[class_key][1],
        start_date=start.isoformat(),
        enrollment_type=enrollment_type,
        punch_pass=punch_pass,
    )


async def drop(
    d: DemoBuilder,
    days: int,
    student: str,
    class_key: str,
    *,
    notice: int,
    reason: str,
    enrollment_type: str = "STANDARD",
    notes: str | None = None,
) -> None:
    when = d.at(days)
    drop_date = d.day(when, notice)
    row = await d.enrollment_row(student, class_key, enrollment_type=enrollment_type)
    d.entry(
        drop_kind.NAME,
        when,
        _family(student),
        student,
        location=d.location_of(class_key),
        notes=notes,
        links={"enrollment_id": row.id},
        class_name=CLASSES[class_key][1],
        drop_date=drop_date.isoformat(),
        reason=reason,
        enrollment_type=enrollment_type,
    )


async def transfer(
    d: DemoBuilder,
    days: int,
    student: str,
    from_key: str,
    to_key: str,
    *,
    in_days: int,
    auto: bool = False,
    current_drop_in: int | None = None,
    notes: str | None = None,
) -> None:
    when = d.at(days)
    transfer_date = d.day(when, in_days)
    current_drop = None if current_drop_in is None else d.day(when, current_drop_in)
    original = await d.enrollment_row(student, from_key, drop=current_drop)
    if auto:
        # The portal already made the move: the new enrollment exists.
        await d.enrollment_row(
            student, to_key, start=transfer_date, drop=current_drop, transferred_from=original.id
        )
        original.status = EnrollmentStatus.TRANSFERRED
        original.drop_date = d.day(when, in_days - 1)
    facts = {"current_drop_date": current_drop.isoformat()} if current_drop else {}
    d.entry(
        transfer_kind.NAME,
        when,
        _family(student),
        student,
        location=d.location_of(to_key),
        notes=notes,
        auto_approved=auto,
        links={"enrollment_id": original.id},
        from_class_name=CLASSES[from_key][1],
        to_class_name=CLASSES[to_key][1],
        transfer_date=transfer_date.isoformat(),
        enrollment_type="STANDARD",
        **facts,
    )


async def absence(
    d: DemoBuilder,
    days: int,
    student: str,
    class_keys: tuple[str, ...],
    *,
    in_days: int,
    reason: str,
    notes: str | None = None,
) -> None:
    """ "Entries related to future absences may show multiple times if the
    absence will reflect enrollments at multiple locations": one per class."""
    when = d.at(days)
    absence_date = d.day(when, in_days)
    for class_key, enrollment_row, absence_row in await d.absence_rows(
        student, class_keys, absence_date, reason
    ):
        d.entry(
            absence_kind.NAME,
            when,
            _family(student),
            student,
            location=d.location_of(class_key),
            notes=notes,
            auto_approved=False,
            links={"enrollment_id": enrollment_row.id, "absence_id": absence_row.id},
            absence_date=absence_date.isoformat(),
            class_name=CLASSES[class_key][1],
            reason=reason,
        )


async def appointment(
    d: DemoBuilder,
    days: int,
    student: str,
    title: str,
    location: str,
    *,
    in_days: int,
    auto: bool,
    notes: str | None = None,
) -> None:
    when = d.at(days)
    starts_at = _starts(d, when, in_days)
    booking = await d.booking(
        _family(student), student, title, location, starts_at, BOOKED if auto else REQUESTED
    )
    d.entry(
        appointment_kind.NAME,
        when,
        _family(student),
        student,
        location=d.locations[location],
        notes=notes,
        auto_approved=auto,
        links={"appointment_id": booking.id},
        title=title,
        starts_at=starts_at.isoformat(),
    )


async def canceled(
    d: DemoBuilder, days: int, student: str, title: str, location: str, *, was_in_days: int
) -> None:
    when = d.at(days)
    starts_at = _starts(d, when, was_in_days, hour=10)
    booking = await d.booking(
        _family(student), student, title, location, starts_at, AppointmentStatus.CANCELED
    )
    d.entry(
        appointment_canceled_kind.NAME,
        when,
        _family(student),
        student,
        location=d.locations[location],
        links={"appointment_id": booking.id},
        title=title,
        starts_at=starts_at.isoformat(),
    )


async def reschedule(
    d: DemoBuilder,
    days: int,
    student: str,
    title: str,
    location: str,
    *,
    from_in: int,
    to_in: int,
    auto: bool,
) -> None:
    when = d.at(days)
    previous = _starts(d, when, from_in)
    starts_at = _starts(d, when, to_in, hour=17)
    family = _family(student)
    original = await d.booking(
        family,
        student,
        title,
        location,
        previous,
        AppointmentStatus.RESCHEDULED if auto else BOOKED,
    )
    moved = await d.booking(
        family, student, title, location, starts_at, BOOKED if auto else REQUESTED
    )
    moved.rescheduled_from_id = original.id
    d.entry(
        appointment_reschedule_kind.NAME,
        when,
        family,
        student,
        location=d.locations[location],
        auto_approved=auto,
        links={"appointment_id": moved.id},
        title=title,
        starts_at=starts_at.isoformat(),
        previous_starts_at=previous.isoformat(),
    )


async def payment(
    d: DemoBuilder,
    days: int,
    family: str,
    method: str,
    charges: list[tuple[str, str, bool]],
    notes: str | None = None,
) -> None:
    row = await d.payment_row(family, method, charges)
    d.entry(
        payment_kind.NAME,
        d.at(days),
        family,
        notes=notes,
        links={"payment_id": row.id},
        amount=str(row.amount),
        method=method,
        charges=[
            {"description": text, "amount": amount, "discount_schedule_deleted": deleted}
            for text, amount, deleted in charges
        ],
    )


async def order(
    d: DemoBuilder, days: int, family: str, location: str, items: list[tuple[str, int]]
) -> None:
    row, lines = await d.order_row(family, location, items)
    d.entry(
        online_order_kind.NAME,
        d.at(days),
        family,
        location=d.locations[location],
        links={"order_id": row.id},
        total=str(row.total),
        items=lines,
    )


async def gift_card(
    d: DemoBuilder, days: int, family: str, amount: str, recipient: str, email: str
) -> None:
    await d.gift_card_row(family, amount, recipient, email)
    d.entry(
        gift_card_kind.NAME,
        d.at(days),
        family,
        amount=amount,
        recipient_name=recipient,
        recipient_email=email,
    )


async def party(
    d: DemoBuilder,
    days: int,
    family: str,
    location: str,
    *,
    in_days: int,
    guests: int,
    package: str,
    notes: str | None = None,
) -> None:
    when = d.at(days)
    party_at = _starts(d, when, in_days, hour=14)
    await d.party_row(family, location, party_at, guests, package)
    d.entry(
        party_kind.NAME,
        when,
        family,
        location=d.locations[location],
        notes=notes,
        party_at=party_at.isoformat(),
        guests=guests,
        package=package,
    )


def notify(
    d: DemoBuilder,
    activity_type: str,
    days: int,
    who: str,
    notes: str | None = None,
    **details: Any,
) -> None:
    """A location-independent notification about a family or a student."""
    student = who if "/" in who else None
    d.entry(activity_type, d.at(days), _family(who), student, notes=notes, **details)
