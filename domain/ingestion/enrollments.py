"""Class-related events: absences, enrollments, drops and transfers."""

from __future__ import annotations

from sqlalchemy import select

from domain.actions.seats import SeatBook
from domain.actions.transfer import apply_transfer
from domain.errors import Problem
from domain.ingestion.context import Ingestion, iso_date
from domain.ingestion.events import AbsenceEvent, DropEvent, EnrollmentEvent, TransferEvent
from domain.ingestion.references import ResolvedClass, ResolvedEnrollment
from domain.recording import NewEntry
from domain.vocabulary import ActivityType, WindowStatus
from models import Absence, ClassOffering, Enrollment, EnrollmentNote

# The transfer rules name staff's input fields; the portal's event has its own.
TRANSFER_EVENT_FIELDS = {"enrollmentId": "fromEnrollment"}


def _joined(values: list[str]) -> str:
    return ", ".join(dict.fromkeys(values))


async def record_absence(ing: Ingestion, event: AbsenceEvent) -> list[NewEntry]:
    """One absence row per enrollment, and ONE ENTRY PER LOCATION: "Entries
    related to future absences may show multiple times if the absence will
    reflect enrollments at multiple locations." Each entry names the
    enrollments (and absence rows) of its location."""
    status = "APPROVED" if event.auto_approved else "REQUESTED"
    by_location: dict[int, list[tuple[ResolvedEnrollment, int]]] = {}
    # All the enrollments first, in the lock order (domain.lock_order).
    resolved = await ing.refs.enrollments(event.enrollments, ing.family_id)
    for index, enrollment in enumerate(resolved):
        absence_id = await ing.refs.create_once(
            Absence,
            {
                "external_id": event.external_id,
                "enrollment_id": enrollment.id,
                "absence_date": event.absence_date,
                "reason": event.reason,
                "status": status,
            },
            field=(*ing.path, "enrollments", str(index), "externalId"),
            key=("organisation_id", "external_id", "enrollment_id"),
        )
        by_location.setdefault(enrollment.offering.location_id, []).append((enrollment, absence_id))
    entries = []
    for location_id, group in by_location.items():
        students = {e.student_id for e, _ in group}
        entries.append(
            ing.entry(
                ActivityType.ABSENCE,
                {
                    "absence_date": iso_date(event.absence_date),
                    "class_name": _joined([e.offering.name for e, _ in group]),
                    "reason": event.reason,
                    "auto_approved": event.auto_approved,
                    "enrollment_ids": [e.id for e, _ in group],
                    "absence_ids": [a for _, a in group],
                },
                auto_approved=event.auto_approved,
                location_id=location_id,
                student_id=next(iter(students)) if len(students) == 1 else None,
                student_name=_joined([e.student_name for e, _ in group]),
                enrollment_id=group[0][0].id if len(group) == 1 else None,
                absence_id=group[0][1] if len(group) == 1 else None,
            )
        )
    return entries


async def record_enrollment(ing: Ingestion, event: EnrollmentEvent) -> list[NewEntry]:
    """Creates the requested enrollment (REQUESTED, or ACTIVE when the portal
    auto-approved it) with the family's notes as enrollment notes, so that
    "Denying an enrollment request ... also deletes the enrollment from the
    database, along with any enrollment notes that were included."

    Punch-pass enrollments make an entry only "if this option is enabled in
    your Customer Portal settings"; otherwise the enrollment is recorded
    without one.
    """
    enrollment = await ing.refs.new_enrollment(
        event.enrollment,
        ing.family_id,
        status="ACTIVE" if event.auto_approved else "REQUESTED",
        punch_pass=event.punch_pass,
        field=(*ing.path, "enrollment", "externalId"),
    )
    if ing.notes and ing.notes.strip():
        ing.session.add(EnrollmentNote(enrollment_id=enrollment.id, text=ing.notes.strip()))
        await ing.session.flush()
    if event.punch_pass and not (await ing.settings()).punch_pass_enrollments:
        return []
    return [
        ing.entry(
            ActivityType.ENROLLMENT,
            {
                "class_name": enrollment.offering.name,
                "start_date": iso_date(event.enrollment.start_date),
                "enrollment_type": enrollment.type,
                "punch_pass": event.punch_pass,
                "auto_approved": event.auto_approved,
            },
            auto_approved=event.auto_approved,
            location_id=enrollment.offering.location_id,
            student_id=enrollment.student_id,
            student_name=enrollment.student_name,
            enrollment_id=enrollment.id,
        )
    ]


async def record_drop(ing: Ingestion, event: DropEvent) -> list[NewEntry]:
    """A drop request keeps the date and reason on the entry; the enrollment
    stays as it is until staff approve ("Drop - Enrollment Drop requests"
    must be reviewed for "a valid Drop Reason" and the notice period)."""
    enrollment = await ing.refs.enrollment(event.enrollment, ing.family_id)
    return [
        ing.entry(
            ActivityType.DROP,
            {
                "class_name": enrollment.offering.name,
                "drop_date": iso_date(event.drop_date),
                "reason": event.reason,
                "enrollment_type": enrollment.type,
            },
            location_id=enrollment.offering.location_id,
            student_id=enrollment.student_id,
            student_name=enrollment.student_name,
            enrollment_id=enrollment.id,
        )
    ]


async def record_transfer(ing: Ingestion, event: TransferEvent) -> list[NewEntry]:
    """A transfer records the target class and date on the entry, with the
    drop date already on the enrollment ("the system will check to see if a
    future drop date already exists on the enrollment that is being
    transferred"). The entry sits at the location of the enrollment being
    transferred.

    "Transfers - Enrollment Transfer requests and auto-approvals": a request
    waits for staff to approve it; an auto-approval is applied here exactly
    as staff approval applies one (``apply_transfer``). One a rule refuses
    ("iClassPro does not allow multiple transfers from a single
    enrollment", a class that ends before the transfer date, a Makeup's
    type) is still recorded, never lost: as a PENDING entry staff can
    approve or deny, with the rule's reason (``not_applied``).
    """
    # Both classes before the enrollment, in id order: classes come before
    # enrollments in the lock order (domain.lock_order), as staff approval
    # takes them; upserting the target class after the enrollment
    # deadlocked with an approval counting seats in it.
    await ing.refs.offerings([event.from_enrollment.offering, event.to_class])
    target = await ing.refs.offering(event.to_class)
    enrollment = await ing.refs.enrollment(event.from_enrollment, ing.family_id)
    requested_type = event.enrollment_type.value if event.enrollment_type else enrollment.type
    not_applied = None
    if event.auto_approved:
        not_applied = await _apply_auto_approved_transfer(ing, event, enrollment, target)
    return [
        ing.entry(
            ActivityType.TRANSFER,
            {
                "from_class_name": enrollment.offering.name,
                "to_class_name": target.name,
                "to_class_id": target.id,
                "to_location_id": target.location_id,
                "transfer_date": iso_date(event.transfer_date),
                "enrollment_type": requested_type,
                "current_enrollment_type": enrollment.type,
                "current_drop_date": iso_date(enrollment.drop_date),
                "auto_approved": event.auto_approved,
            },
            auto_approved=event.auto_approved,
            status=None if not_applied is None else WindowStatus.PENDING,
            location_id=enrollment.offering.location_id,
            student_id=enrollment.student_id,
            student_name=enrollment.student_name,
            enrollment_id=enrollment.id,
            not_applied=not_applied,
        )
    ]


async def _apply_auto_approved_transfer(
    ing: Ingestion, event: TransferEvent, enrollment: ResolvedEnrollment, target: ResolvedClass
) -> Problem | None:
    """The portal decided: no "Drop Date For Previous Class" was chosen (the
    default applies) and capacity is the portal's call, as for the
    enrollments it auto-approves. Returns why a rule refused it (nothing
    written), naming the event's field at fault."""
    original = await ing.session.scalar(
        select(Enrollment).where(Enrollment.id == enrollment.id).with_for_update()
    )
    offering = await ing.session.scalar(select(ClassOffering).where(ClassOffering.id == target.id))
    assert original is not None and offering is not None  # upserted by this event
    settings = await ing.settings()
    refusal = await apply_transfer(
        ing.session,
        original=original,
        target=offering,
        transfer_date=event.transfer_date,
        requested_type=event.enrollment_type,
        new_external_id=None,
        overbook=True,
        previous_class_drop_date=None,
        seats=SeatBook(ing.session),
        today=settings.today(ing.now),
    )
    if refusal is None:
        return None
    fields = [TRANSFER_EVENT_FIELDS.get(name, name) for name in refusal.field]
    return Problem(
        refusal.code,
        f"Recorded for staff to review, not applied: {refusal.message}",
        (*ing.path, *fields),
    )
