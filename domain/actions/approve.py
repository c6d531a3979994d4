"""Approving requests: what approval does to each type's record.

"Approve Button: For actions that require approval (filter these out by using
the "Pending" Status), use the Approve button for all checked boxes to approve
multiple requests at once!" Approving takes the entry out of the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.closing import close_entries
from domain.actions.outcome import (
    ActionReport,
    Code,
    ItemResult,
    Outcome,
    Refusal,
    failed,
    refused,
)
from domain.actions.seats import SeatBook, enrollment_type
from domain.actions.selection import Selection, common_refusal, resolve
from domain.actions.transfer import TransferChoices, approve_transfer
from domain.bookings import supersede_booking_entries
from domain.journal import Journal
from domain.lock_fence import LockClaim, domain_lock_check
from domain.presentation import parse_date
from domain.rules.capacity import allocate_seats, seats_needed
from domain.rules.drops import DropRuleError, check_drop_request
from domain.rules.enrollment_types import EnrollmentType
from domain.viewer import Viewer
from domain.vocabulary import ActivityType, Resolution, WindowStatus
from models import Absence, ActivityEntry, AppointmentBooking, Enrollment

STAFF_RESCHEDULE_REASON = "A staff member approved the appointment reschedule request."


@dataclass(frozen=True)
class ApproveOptions:
    """Single approve may pass the version it saw and the transfer options;
    mass approve passes none ("mass approve never overbooks")."""

    expected_version: int | None = None
    previous_class_drop_date: date | None = None
    enrollment_type: EnrollmentType | None = None
    overbook: bool = False


def not_pending(row: ActivityEntry) -> Refusal | None:
    if row.status != WindowStatus.PENDING.value:
        return Refusal(
            Code.NOT_PENDING,
            "only pending requests are approved or denied; notifications are dismissed",
        )
    return None


async def _enrollments(session: AsyncSession, ids: Sequence[int | None]) -> dict[int, Enrollment]:
    wanted = sorted({i for i in ids if i is not None})
    rows = await session.scalars(
        select(Enrollment)
        .where(Enrollment.id.in_(wanted))
        .order_by(Enrollment.id)
        .with_for_update()
    )
    return {e.id: e for e in rows}


async def approve_enrollments(
    session: AsyncSession, rows: Sequence[ActivityEntry], options: ApproveOptions, seats: SeatBook
) -> dict[int, Refusal]:
    """The requested enrollment becomes ACTIVE, seat by seat, oldest request
    first; a request that no longer fits is refused CLASS_FULL unless staff
    chose to overbook while reviewing it alone."""
    refusals: dict[int, Refusal] = {}
    enrollments = await _enrollments(session, [r.enrollment_id for r in rows])
    by_class: dict[int, list[tuple[ActivityEntry, Enrollment]]] = defaultdict(list)
    for row in rows:
        enrollment = enrollments.get(row.enrollment_id or 0)
        if enrollment is None:
            refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the requested enrollment is gone")
        elif enrollment.status != "REQUESTED":
            refusals[row.id] = Refusal(
                Code.ENROLLMENT_NOT_REQUESTED, f"the enrollment is {enrollment.status.lower()}"
            )
        else:
            by_class[enrollment.class_id].append((row, enrollment))
    await seats.load(by_class)
    approved: list[int] = []
    for class_id, requests in by_class.items():
        fitting: list[tuple[ActivityEntry, Enrollment]]
        full: list[tuple[ActivityEntry, Enrollment]]
        if options.overbook:
            fitting, full = requests, []
        else:
            fitting, full = allocate_seats(
                capacity=seats.capacity(class_id),
                active_count=seats.taken[class_id],
                requests=requests,
                seats_for=lambda pair: seats_needed(enrollment_type=enrollment_type(pair[1].type)),
            )
        for _row, enrollment in fitting:
            seats.take(class_id, enrollment_type(enrollment.type))
            approved.append(enrollment.id)
        for row, _ in full:
            refusals[row.id] = Refusal(
                "CLASS_FULL",
                f"{seats.classes[class_id].name} is full ({seats.capacity(class_id)} seats)",
            )
    if approved:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(approved))
            .values(status="ACTIVE")
            .execution_options(synchronize_session=False)
        )
    return refusals


async def approve_drops(
    session: AsyncSession, viewer: Viewer, rows: Sequence[ActivityEntry], now: datetime
) -> dict[int, Refusal]:
    """ "Drop requests including a valid Drop Reason and/or that they are
    within any specified time frame [e.g., requiring 30 days notice ...]":
    checked by ``check_drop_request`` against the organisation's notice
    period. The enrollment gets its drop date and reason; it stays ACTIVE
    until that date, and is DROPPED when the date is today or past."""
    refusals: dict[int, Refusal] = {}
    enrollments = await _enrollments(session, [r.enrollment_id for r in rows])
    for row in rows:
        enrollment = enrollments.get(row.enrollment_id or 0)
        drop_date = parse_date(row.details.get("drop_date"))
        if enrollment is None:
            refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the enrollment is gone")
            continue
        if drop_date is None:
            refusals[row.id] = Refusal(Code.INVALID_REQUEST, "the drop request names no date")
            continue
        reason = row.details.get("reason")
        try:
            check_drop_request(
                drop_date=drop_date,
                reason=None if reason is None else str(reason),
                requested_on=row.occurred_at.date(),
                notice_days=viewer.drop_notice_days,
                valid_reasons=None,
            )
        except DropRuleError as error:
            refusals[row.id] = Refusal(error.code, error.message)
            continue
        enrollment.drop_date = drop_date
        enrollment.drop_reason = str(reason).strip()
        if drop_date <= now.date():
            enrollment.status = "DROPPED"
    await session.flush()
    return refusals


def absence_ids(row: ActivityEntry) -> list[int]:
    """ "Entries related to future absences may show multiple times if the
    absence will reflect enrollments at multiple locations": one entry covers
    the absences of its location (``absence_ids``), or just ``absence_id``."""
    listed = row.details.get("absence_ids")
    if isinstance(listed, list) and listed:
        return [int(i) for i in listed]
    return [] if row.absence_id is None else [row.absence_id]


async def approve_absences(
    session: AsyncSession, rows: Sequence[ActivityEntry]
) -> dict[int, Refusal]:
    ids = {i for r in rows for i in absence_ids(r)}
    found = set(
        await session.scalars(
            select(Absence.id).where(
                Absence.id.in_(ids), Absence.organisation_id == rows[0].organisation_id
            )
        )
    )
    refusals = {
        r.id: Refusal(Code.RECORD_NOT_FOUND, "the absence is gone")
        for r in rows
        if not absence_ids(r) or not set(absence_ids(r)) <= found
    }
    found -= {i for r in rows if r.id in refusals for i in absence_ids(r)}
    if found:
        await session.execute(
            update(Absence)
            .where(Absence.id.in_(found))
            .values(status="APPROVED")
            .execution_options(synchronize_session=False)
        )
    return refusals


async def approve_appointments(
    session: AsyncSession,
    journal: Journal,
    organisation_id: int,
    rows: Sequence[ActivityEntry],
    now: datetime,
) -> dict[int, Refusal]:
    """The booking is BOOKED. Approving a reschedule request has the effect
    of a reschedule the portal auto-approved: the original booking is
    RESCHEDULED and, "If the entry for the original appointment booking
    still exists in the Online Activity window, it will automatically be
    removed, as the system will no longer be able to take action on it"
    (``supersede_booking_entries``, in this unit of work and journal). An
    original's entry approved in this same action is approved, not removed.
    """
    ids = {r.appointment_id for r in rows if r.appointment_id is not None}
    bookings = {
        b.id: b
        for b in await session.scalars(
            select(AppointmentBooking)
            .where(
                AppointmentBooking.id.in_(ids),
                AppointmentBooking.organisation_id == organisation_id,
            )
            .order_by(AppointmentBooking.id)
            .with_for_update()
        )
    }
    refusals: dict[int, Refusal] = {}
    originals: set[int] = set()
    for row in rows:
        booking = bookings.get(row.appointment_id or 0)
        if booking is None:
            refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the appointment booking is gone")
            continue
        booking.status = "BOOKED"
        if row.type == ActivityType.APPOINTMENT_RESCHEDULE and booking.rescheduled_from_id:
            originals.add(booking.rescheduled_from_id)
    await session.flush()
    approving = [r.id for r in rows if r.id not in refusals]
    # Entries before bookings: a concurrent approval of the original's entry
    # holds that entry and then wants the original booking, so taking them in
    # the other order could deadlock.
    for original_id in sorted(originals):
        await supersede_booking_entries(
            session,
            journal,
            organisation_id,
            original_id,
            now=now,
            reason=STAFF_RESCHEDULE_REASON,
            keep=approving,
        )
    if originals:
        await session.execute(
            update(AppointmentBooking)
            .where(
                AppointmentBooking.id.in_(sorted(originals)),
                AppointmentBooking.organisation_id == organisation_id,
            )
            .values(status="RESCHEDULED")
        )
    return refusals


async def apply_approvals(
    session: AsyncSession,
    journal: Journal,
    viewer: Viewer,
    rows: Sequence[ActivityEntry],
    options: ApproveOptions,
    now: datetime,
) -> dict[int, Refusal]:
    """Per-type effects of approving ``rows`` (oldest first); refused rows
    are left exactly as they were. Entries the effects take out of the
    window are journaled in ``journal``."""
    by_type: dict[str, list[ActivityEntry]] = defaultdict(list)
    for row in rows:
        by_type[row.type].append(row)
    seats = SeatBook(session)
    refusals: dict[int, Refusal] = {}
    if by_type[ActivityType.ENROLLMENT]:
        refusals |= await approve_enrollments(
            session, by_type[ActivityType.ENROLLMENT], options, seats
        )
    if by_type[ActivityType.DROP]:
        refusals |= await approve_drops(session, viewer, by_type[ActivityType.DROP], now)
    choices = TransferChoices(
        previous_class_drop_date=options.previous_class_drop_date,
        enrollment_type=options.enrollment_type,
        overbook=options.overbook,
    )
    for row in by_type[ActivityType.TRANSFER]:
        refusal = await approve_transfer(session, row, choices, seats, now)
        if refusal is not None:
            refusals[row.id] = refusal
    if by_type[ActivityType.ABSENCE]:
        refusals |= await approve_absences(session, by_type[ActivityType.ABSENCE])
    appointments = by_type[ActivityType.APPOINTMENT] + by_type[ActivityType.APPOINTMENT_RESCHEDULE]
    if appointments:
        refusals |= await approve_appointments(
            session, journal, viewer.organisation_id, appointments, now
        )
    return refusals


async def approve_activities(
    session: AsyncSession,
    viewer: Viewer,
    chosen: Selection,
    *,
    now: datetime,
    lock: LockClaim,
    options: ApproveOptions | None = None,
) -> ActionReport:
    """Approve the selected pending entries, each on its own: a refused one
    changes nothing, the others are approved and leave the window together."""
    options = options or ApproveOptions()
    chosen.validate()
    await domain_lock_check(session, viewer, lock)
    targets = await resolve(session, viewer, chosen, now)
    results: list[ItemResult | None] = [None] * len(targets)
    eligible: list[tuple[int, ActivityEntry]] = []
    for index, target in enumerate(targets):
        refusal = common_refusal(target, viewer, expected_version=options.expected_version)
        if refusal is None and target.row is not None:
            refusal = not_pending(target.row)
        if refusal is not None or target.row is None:
            assert refusal is not None
            results[index] = refused(target.ref, target.row, refusal, explicit=target.explicit)
        else:
            eligible.append((index, target.row))
    eligible.sort(key=lambda pair: (pair[1].occurred_at, pair[1].id))
    journal = Journal(session)
    refusals = await apply_approvals(
        session, journal, viewer, [row for _, row in eligible], options, now
    )
    await close_entries(
        session,
        [row for _, row in eligible if row.id not in refusals],
        Resolution.APPROVED,
        viewer=viewer,
        now=now,
        journal=journal,
    )
    for index, row in eligible:
        refusal = refusals.get(row.id)
        results[index] = (
            ItemResult(targets[index].ref, Outcome.APPROVED, row)
            if refusal is None
            else failed(targets[index].ref, row, refusal)
        )
    return ActionReport(results=[r for r in results if r is not None], changes=journal.changes)
