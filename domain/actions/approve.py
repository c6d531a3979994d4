"""Approving requests, and what approval does to the records of the built-in ones.

"Approve Button: For actions that require approval (filter these out by using
the "Pending" Status), use the Approve button for all checked boxes to approve
multiple requests at once!" Approving takes the entry out of the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.closing import close_entries, close_listed
from domain.actions.drops import ACCEPTED_CRITERIA_KEY, Approvals
from domain.actions.effects import ApprovalRun, run_approvals
from domain.actions.entries import load_entries, with_entries_loaded
from domain.actions.facts import EntryFacts
from domain.actions.outcome import (
    ActionReport,
    Code,
    Entry,
    ItemResult,
    Outcome,
    Refusal,
    failed,
)
from domain.actions.record_reads import Records
from domain.actions.records import Decision, held_records, listed_absences
from domain.actions.seats import SeatBook, enrollment_type
from domain.actions.selection import Selection, resolve_facts, sort_out
from domain.bookings import supersede_booking_entries
from domain.journal import Journal
from domain.kinds import registry
from domain.listed import dialect_of, in_list
from domain.lock_fence import LockClaim, domain_lock_check
from domain.rules.capacity import CapacityErrorCode, allocate_seats, seats_needed
from domain.rules.drops import DropCriterion
from domain.rules.enrollment_types import EnrollmentType
from domain.viewer import Viewer
from domain.vocabulary import Resolution, WindowStatus
from models import Absence, ActivityEntry, AppointmentBooking, Enrollment
from models.statuses import AbsenceStatus, AppointmentStatus, EnrollmentStatus

if TYPE_CHECKING:
    # Only a type: the absence kind's module imports this one's effects.
    from domain.kinds.absence import AbsenceDetails

STAFF_RESCHEDULE_REASON = "A staff member approved the appointment reschedule request."


@dataclass(frozen=True)
class ApproveOptions:
    """Single approve may pass the version it saw, the transfer options and
    the criteria staff accept; mass approve passes none ("mass approve never
    overbooks", and never approves a request that misses a criterion)."""

    expected_version: int | None = None
    previous_class_drop_date: date | None = None
    enrollment_type: EnrollmentType | None = None
    overbook: bool = False
    accept_criteria: frozenset[DropCriterion] = frozenset()


def not_pending(row: Entry) -> Refusal | None:
    """Only pending requests are approved or denied (reads the status only)."""
    if row.status != WindowStatus.PENDING.value:
        return Refusal(
            Code.NOT_PENDING,
            "only pending requests are approved or denied; notifications are dismissed",
        )
    return None


async def lock_enrollments(
    session: AsyncSession, ids: Sequence[int | None]
) -> dict[int, Enrollment]:
    wanted = sorted({i for i in ids if i is not None})
    rows = await session.scalars(
        select(Enrollment)
        .where(Enrollment.id.in_(wanted))
        .order_by(Enrollment.id)
        .with_for_update()
    )
    return {e.id: e for e in rows}


async def approve_enrollments(
    session: AsyncSession, rows: Sequence[Entry], options: ApproveOptions, seats: SeatBook
) -> dict[int, Refusal]:
    """The requested enrollment becomes ACTIVE, seat by seat, oldest request
    first; a request that no longer fits is refused CLASS_FULL unless staff
    chose to overbook while reviewing it alone."""
    refusals: dict[int, Refusal] = {}
    enrollments = await lock_enrollments(session, [r.enrollment_id for r in rows])
    by_class: dict[int, list[tuple[Entry, Enrollment]]] = defaultdict(list)
    for row in rows:
        enrollment = enrollments.get(row.enrollment_id or 0)
        if enrollment is None:
            refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the requested enrollment is gone")
        elif enrollment.status is not EnrollmentStatus.REQUESTED:
            refusals[row.id] = Refusal(
                Code.RECORD_CHANGED, f"the enrollment is {enrollment.status.lower()}"
            )
        else:
            by_class[enrollment.class_id].append((row, enrollment))
    await seats.load(by_class)
    approved: list[int] = []
    for class_id, requests in by_class.items():
        fitting: list[tuple[Entry, Enrollment]]
        full: list[tuple[Entry, Enrollment]]
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
                CapacityErrorCode.CLASS_FULL,
                f"{seats.classes[class_id].name} is full ({seats.capacity(class_id)} seats)",
            )
    if approved:
        await session.execute(
            update(Enrollment)
            .where(Enrollment.id.in_(approved))
            .values(status=EnrollmentStatus.ACTIVE)
            .execution_options(synchronize_session=False)
        )
    return refusals


def absence_ids(row: ActivityEntry) -> list[int]:
    """The absences an absence entry covers, read from its typed details."""
    details = cast("AbsenceDetails", registry.kind(row.type).read(row.details))
    return listed_absences(details.absence_ids, row.absence_id)


async def _absences_of(session: AsyncSession, rows: Sequence[Entry]) -> dict[int, list[int]]:
    """Each entry's absences, reading only ``details.absence_ids`` of the rows."""
    listed = await session.execute(
        select(ActivityEntry.id, ActivityEntry.details["absence_ids"]).where(
            in_list(dialect_of(session), ActivityEntry.id, [r.id for r in rows])
        )
    )
    lists = {entry_id: value for entry_id, value in listed}
    return {r.id: listed_absences(lists.get(r.id), r.absence_id) for r in rows}


async def approve_absences(
    session: AsyncSession, rows: Sequence[Entry], records: Records | None = None
) -> dict[int, Refusal]:
    """The absences become APPROVED, set-based; an entry whose absences are
    not all there is refused and approves none of them. ``records``: what
    ``held_records`` read and locked of these rows' absences, used instead
    of reading them again when it covers every row."""
    dialect = dialect_of(session)
    if records is not None and all(r.id in records.absences_of for r in rows):
        wanted = {r.id: records.absences_of[r.id] for r in rows}
        ids = {i for listed in wanted.values() for i in listed}
        found = ids & records.absences.keys()
    else:
        wanted = await _absences_of(session, rows)
        ids = {i for listed in wanted.values() for i in listed}
        found = set(
            await session.scalars(
                select(Absence.id).where(
                    in_list(dialect, Absence.id, ids),
                    Absence.organisation_id == rows[0].organisation_id,
                )
            )
        )
    refusals = {
        r.id: Refusal(Code.RECORD_NOT_FOUND, "the absence is gone")
        for r in rows
        if not wanted[r.id] or not set(wanted[r.id]) <= found
    }
    found -= {i for entry_id in refusals for i in wanted[entry_id]}
    if found:
        await session.execute(
            update(Absence)
            .where(in_list(dialect, Absence.id, found))
            .values(status=AbsenceStatus.APPROVED)
            .execution_options(synchronize_session=False)
        )
    return refusals


async def approve_appointments(
    session: AsyncSession,
    journal: Journal,
    organisation_id: int,
    rows: Sequence[Entry],
    now: datetime,
    records: Records | None = None,
) -> dict[int, Refusal]:
    """The booking is BOOKED. Approving a reschedule request has the effect
    of a reschedule the portal auto-approved: the original booking is
    RESCHEDULED and, "If the entry for the original appointment booking
    still exists in the Online Activity window, it will automatically be
    removed, as the system will no longer be able to take action on it"
    (``supersede_booking_entries``, in this unit of work and journal). An
    original's entry approved in this same action is approved, not removed.
    """
    dialect = dialect_of(session)
    ids = {r.appointment_id for r in rows if r.appointment_id is not None}
    bookings: dict[int, int | None]
    if records is not None and ids <= records.bookings.keys():
        # Read and locked by ``held_records`` (a booking it did not find
        # refused its request before any effect ran).
        bookings = {i: records.bookings[i][1] for i in ids}
    else:
        bookings = {
            booking_id: rescheduled_from
            for booking_id, rescheduled_from in await session.execute(
                select(AppointmentBooking.id, AppointmentBooking.rescheduled_from_id)
                .where(
                    in_list(dialect, AppointmentBooking.id, ids),
                    AppointmentBooking.organisation_id == organisation_id,
                )
                .order_by(AppointmentBooking.id)
                .with_for_update()
            )
        }
    refusals: dict[int, Refusal] = {}
    originals: set[int] = set()
    for row in rows:
        if row.appointment_id not in bookings:
            refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the appointment booking is gone")
            continue
        original = bookings[row.appointment_id]
        if registry.kind(row.type).moves_booking and original:
            originals.add(original)
    if bookings:
        await session.execute(
            update(AppointmentBooking)
            .where(in_list(dialect, AppointmentBooking.id, bookings))
            .values(status=AppointmentStatus.BOOKED)
            .execution_options(synchronize_session=False)
        )
    approving = [r.id for r in rows if r.id not in refusals]
    # The originals' entries were locked before any booking (hold_records,
    # in the lock order of domain.lock_order).
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
            .values(status=AppointmentStatus.RESCHEDULED)
        )
    return refusals


async def apply_approvals(
    session: AsyncSession,
    journal: Journal,
    viewer: Viewer,
    rows: Sequence[EntryFacts],
    options: ApproveOptions,
    now: datetime,
) -> Approvals:
    """Per-kind effects of approving ``rows`` (oldest first; the kinds'
    ``approval``, ``domain.actions.effects``); refused rows are left exactly
    as they were. Entries the effects take out of the window are journaled
    in ``journal``. First the records are locked (``domain.lock_order``) and
    a request whose record changed since is refused
    (``domain.actions.records``)."""
    changed, records = await held_records(session, rows, Decision.APPROVE)
    run = ApprovalRun(
        session,
        journal,
        viewer,
        options,
        now,
        SeatBook(session),
        Approvals(dict(changed), {}),
        records,
    )
    await run_approvals(run, [r for r in rows if r.id not in changed])
    return run.approvals


async def _close_approved(
    session: AsyncSession,
    journal: Journal,
    viewer: Viewer,
    rows: Sequence[EntryFacts],
    approvals: Approvals,
    now: datetime,
    *,
    deferred: bool,
) -> None:
    """Take the approved entries out of the window, set-based; an approval
    that accepted missed criteria records them in its audit record.
    ``deferred``: nothing reads the plain ones back before commit, so their
    writes wait for the final numbers (``close_listed``)."""
    accepted = [r for r in rows if r.id in approvals.accepted]
    plain = [r for r in rows if r.id not in approvals.accepted]
    await close_listed(
        session,
        plain,
        Resolution.APPROVED,
        viewer=viewer,
        now=now,
        journal=journal,
        deferred=deferred,
    )
    if accepted:
        loaded = await load_entries(session, [r.id for r in accepted])
        await close_entries(
            session,
            [loaded[r.id] for r in accepted],
            Resolution.APPROVED,
            viewer=viewer,
            now=now,
            journal=journal,
            audit_extra={
                r.id: {ACCEPTED_CRITERIA_KEY: [c.value for c in approvals.accepted[r.id]]}
                for r in accepted
            },
        )


async def approve_activities(
    session: AsyncSession,
    viewer: Viewer,
    chosen: Selection,
    *,
    now: datetime,
    lock: LockClaim,
    options: ApproveOptions | None = None,
    with_entries: bool = True,
) -> ActionReport:
    """Approve the selected pending entries, each on its own: a refused one
    changes nothing, the others are approved and leave the window together.
    Set-based: the entries are read as facts, and loaded only
    ``with_entries`` (to show them in the results) or where a type's
    approval reads their details."""
    options = options or ApproveOptions()
    chosen.validate()
    await domain_lock_check(session, viewer, lock)
    picked = await resolve_facts(session, viewer, chosen, now, approving=True)
    results, indices, eligible = sort_out(
        picked, viewer, not_pending, expected_version=options.expected_version
    )
    order = list(range(len(eligible)))
    if chosen.explicit:
        # Oldest first, as a filter selects: seats go to the oldest requests.
        order.sort(key=lambda i: eligible[i].age())
    journal = Journal(session)
    approvals = await apply_approvals(
        session, journal, viewer, [eligible[i] for i in order], options, now
    )
    refusals = approvals.refusals
    await _close_approved(
        session,
        journal,
        viewer,
        [eligible[i] for i in order if eligible[i].id not in refusals],
        approvals,
        now,
        deferred=not with_entries,
    )
    for index, row in zip(indices, eligible, strict=True):
        refusal = refusals.get(row.id)
        results[index] = (
            ItemResult(picked.ref(index), Outcome.APPROVED, row)
            if refusal is None
            else failed(picked.ref(index), row, refusal)
        )
    report = ActionReport(results=[r for r in results if r is not None], changes=journal.changes)
    if with_entries:
        await with_entries_loaded(session, report)
    return report
