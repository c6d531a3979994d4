"""Acting on the records as they are now.

A request was made against a record in some state: a REQUESTED enrollment,
absence or appointment booking; an enrollment still running for a drop or a
transfer. By the time staff act the portal or another decision may have
changed it: the family canceled the booking, the enrollment was dropped,
transferred or deleted, the absence was decided. Approving or denying would
then write over what happened since (a canceled booking BOOKED again, or
DENIED over CANCELED). So before either writes, the records are locked
(``domain.lock_order``, step 3) and checked, and a request whose record
changed is refused, changing nothing: RECORD_NOT_FOUND when the record is
gone, RECORD_CHANGED when it is in another state. Bulk approve refuses each
such item with its code; the others go through.

Denying writes nothing to the enrollment of a drop or transfer request, and
nothing is written for a record that is gone, so those denials are never
refused. A request nobody can approve any more carries the (x): staff
dismiss it on its own (``can_no_longer_be_approved``); a mass dismissal of
"all" still skips it with the other requests ("Mass dismissing filtered
items will NOT dismiss any items that require action").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.outcome import Code, Refusal
from domain.actions.record_reads import (
    ENROLLMENT_RECORDS,
    Records,
    read_records,
    requested_record,
)
from domain.actions.record_reads import Request as Request
from domain.actions.record_reads import listed_absences as listed_absences
from domain.kinds import registry
from domain.kinds.base import RequestedRecord
from domain.kinds.registry import KindSet
from domain.vocabulary import WindowStatus
from models.statuses import AbsenceStatus, AppointmentStatus, EnrollmentStatus

# An enrollment that has ended can no longer be dropped or transferred.
ENDED = frozenset({EnrollmentStatus.DROPPED, EnrollmentStatus.TRANSFERRED})
# A booking a reschedule may still move.
MOVABLE = frozenset({AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED})
# Kinds with a record to check: requests made against one (``Kind.requested_record``).
CHECKED = KindSet(lambda kind: kind.requested_record is not None)


class Decision(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"


def _changed(what: str, status: str) -> Refusal:
    return Refusal(
        Code.RECORD_CHANGED,
        f"{what} is {status.lower()} now: the request was made before that; acting on it "
        "would write over what happened since",
    )


def _gone(what: str) -> Refusal:
    return Refusal(Code.RECORD_NOT_FOUND, f"{what} is gone")


def _enrollment_refusal(row: Request, records: Records, decision: Decision) -> Refusal | None:
    kind = registry.kind(row.type)
    status = records.enrollments.get(row.enrollment_id or 0)
    if status is None:
        return _gone("the enrollment") if decision is Decision.APPROVE else None
    if kind.requested_record is RequestedRecord.NEW_ENROLLMENT:
        return None if status == EnrollmentStatus.REQUESTED else _changed("the enrollment", status)
    if decision is Decision.DENY:
        return None  # denying a drop or transfer leaves the enrollment as it is
    if kind.transfers_enrollment and row.enrollment_id in records.transferred_out:
        return None  # "If a transfer already exists ... an error message": the rule's own
    if status in ENDED:
        return _changed("the enrollment", status)
    if row.enrollment_id in records.transferred_out:
        return _changed("the enrollment", "transferring to another class")
    return None


def _absence_refusal(row: Request, records: Records, decision: Decision) -> Refusal | None:
    ids = records.absences_of.get(row.id, [])
    found = [i for i in ids if i in records.absences]
    if decision is Decision.APPROVE and (not ids or len(found) < len(ids)):
        return _gone("the absence")
    for absence_id in found:
        if records.absences[absence_id] != AbsenceStatus.REQUESTED:
            return _changed("the absence", records.absences[absence_id])
    return None


def _booking_refusal(row: Request, records: Records, decision: Decision) -> Refusal | None:
    booking = records.bookings.get(row.appointment_id or 0)
    if booking is None:
        return _gone("the appointment booking") if decision is Decision.APPROVE else None
    status, original = booking
    if status != AppointmentStatus.REQUESTED:
        return _changed("the appointment booking", status)
    if decision is Decision.APPROVE and registry.kind(row.type).moves_booking:
        moved = records.bookings.get(original or 0)
        if moved is not None and moved[0] not in MOVABLE:
            return _changed("the booking to reschedule", moved[0])
    return None


def refusal_for(row: Request, records: Records, decision: Decision) -> Refusal | None:
    """Why ``decision`` on the pending request ``row`` would write over its
    record's change, if it would."""
    if row.status != WindowStatus.PENDING.value or row.type not in CHECKED:
        return None
    record = requested_record(row)
    if record in ENROLLMENT_RECORDS:
        return _enrollment_refusal(row, records, decision)
    if record is RequestedRecord.ABSENCES:
        return _absence_refusal(row, records, decision)
    return _booking_refusal(row, records, decision)


def can_no_longer_be_approved(refusal: Refusal | None) -> bool:
    """The request's record changed or went: nobody can approve it as it
    stands, so the request no longer "require[s] action" and may be dismissed."""
    return refusal is not None and refusal.code in (Code.RECORD_CHANGED, Code.RECORD_NOT_FOUND)


@dataclass(frozen=True)
class RecordState:
    """What approving and denying a pending request would meet now."""

    approve: Refusal | None
    deny: Refusal | None

    @property
    def moot(self) -> bool:
        return can_no_longer_be_approved(self.approve)


async def hold_records(
    session: AsyncSession, rows: Sequence[Request], decision: Decision
) -> dict[int, Refusal]:
    """Lock the records ``decision`` on ``rows`` (requests of one
    organisation, their entries locked by the caller) will touch, in the lock
    order, and refuse each request whose record changed since it was made.

    Approving also locks, before any record, the entries a reschedule will
    supersede, and the classes whose seats it counts (classes come before
    enrollments: ingestion upserts a class before an enrollment in it).
    """
    return (await held_records(session, rows, decision))[0]


async def held_records(
    session: AsyncSession, rows: Sequence[Request], decision: Decision
) -> tuple[dict[int, Refusal], Records]:
    """``hold_records``, and the records it read and locked: the effects
    that write them need not read them again (issue 12: a mass approval
    reads each table once)."""
    checked = _checked(rows)
    if not checked:
        return {}, Records()
    records = await read_records(
        session, checked, lock=True, approving=decision is Decision.APPROVE
    )
    refusals = {
        row.id: refusal
        for row in checked
        if (refusal := refusal_for(row, records, decision)) is not None
    }
    return refusals, records


async def moot_requests(session: AsyncSession, rows: Sequence[Request]) -> dict[int, Refusal]:
    """The pending requests among ``rows`` that can no longer be approved
    (their records locked), with why: these may be dismissed."""
    checked = _checked(rows)
    if not checked:
        return {}
    records = await read_records(session, checked, lock=True, approving=False)
    return {
        row.id: refusal
        for row in checked
        if can_no_longer_be_approved(refusal := refusal_for(row, records, Decision.APPROVE))
        and refusal is not None
    }


async def records_now(session: AsyncSession, rows: Sequence[Request]) -> dict[int, RecordState]:
    """What approving and denying each pending request would meet, read
    without locks (what the window shows)."""
    checked = _checked(rows)
    if not checked:
        return {}
    records = await read_records(session, checked, lock=False, approving=False)
    return {
        row.id: RecordState(
            refusal_for(row, records, Decision.APPROVE), refusal_for(row, records, Decision.DENY)
        )
        for row in checked
    }


def _checked(rows: Sequence[Request]) -> list[Request]:
    return [r for r in rows if r.status == WindowStatus.PENDING.value and r.type in CHECKED]
