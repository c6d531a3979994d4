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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.outcome import Code, Refusal
from domain.kinds import registry
from domain.kinds.base import RequestedRecord
from domain.kinds.registry import KindSet
from domain.listed import dialect_of, in_list
from domain.lock_order import lock_superseded_entries
from domain.vocabulary import WindowStatus
from models import Absence, ActivityEntry, AppointmentBooking, ClassOffering, Enrollment

REQUESTED = "REQUESTED"
# An enrollment that has ended can no longer be dropped or transferred.
ENDED = frozenset({"DROPPED", "TRANSFERRED"})
# A booking a reschedule may still move.
MOVABLE = frozenset({"REQUESTED", "BOOKED"})
# Kinds with a record to check: requests made against one (``Kind.requested_record``).
CHECKED = KindSet(lambda kind: kind.requested_record is not None)
ENROLLMENT_RECORDS = (RequestedRecord.NEW_ENROLLMENT, RequestedRecord.RUNNING_ENROLLMENT)


def _record(row: Request) -> RequestedRecord | None:
    return registry.kind(row.type).requested_record


TARGET_CLASS_KEY = "to_class_id"
TARGET_CLASS_EXTERNAL_KEY = "to_class_external_id"


class Decision(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"


class Request(Protocol):
    """What the check needs of an entry (loaded, or its facts)."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def enrollment_id(self) -> int | None: ...
    @property
    def appointment_id(self) -> int | None: ...
    @property
    def absence_id(self) -> int | None: ...


def listed_absences(listed: Any, absence_id: int | None) -> list[int]:
    """ "Entries related to future absences may show multiple times if the
    absence will reflect enrollments at multiple locations": one entry covers
    the absences of its location (``details.absence_ids``), or just
    ``absence_id``."""
    if isinstance(listed, list) and listed:
        return [int(i) for i in listed]
    return [] if absence_id is None else [absence_id]


@dataclass
class Records:
    """The records of a set of requests as they are now (locked, when asked)."""

    enrollments: dict[int, str] = field(default_factory=dict)
    transferred_out: set[int] = field(default_factory=set)
    absences: dict[int, str] = field(default_factory=dict)
    bookings: dict[int, tuple[str, int | None]] = field(default_factory=dict)
    absences_of: dict[int, list[int]] = field(default_factory=dict)


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
        return None if status == REQUESTED else _changed("the enrollment", status)
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
        if records.absences[absence_id] != REQUESTED:
            return _changed("the absence", records.absences[absence_id])
    return None


def _booking_refusal(row: Request, records: Records, decision: Decision) -> Refusal | None:
    booking = records.bookings.get(row.appointment_id or 0)
    if booking is None:
        return _gone("the appointment booking") if decision is Decision.APPROVE else None
    status, original = booking
    if status != REQUESTED:
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
    record = _record(row)
    if record in ENROLLMENT_RECORDS:
        return _enrollment_refusal(row, records, decision)
    if record is RequestedRecord.ABSENCES:
        return _absence_refusal(row, records, decision)
    return _booking_refusal(row, records, decision)


def can_no_longer_be_approved(refusal: Refusal | None) -> bool:
    """The request's record changed or went: nobody can approve it as it
    stands, so the request no longer "require[s] action" and may be dismissed."""
    return refusal is not None and refusal.code in (Code.RECORD_CHANGED, Code.RECORD_NOT_FOUND)


async def _details(
    session: AsyncSession, rows: Sequence[Request]
) -> tuple[dict[int, list[int]], dict[int, Any], dict[int, Any]]:
    """Absence ids and transfer targets, read from the entries' details."""
    wanted = [
        r
        for r in rows
        if _record(r) is RequestedRecord.ABSENCES or registry.kind(r.type).transfers_enrollment
    ]
    if not wanted:
        return {}, {}, {}
    found = await session.execute(
        select(
            ActivityEntry.id,
            ActivityEntry.details["absence_ids"],
            ActivityEntry.details[TARGET_CLASS_KEY],
            ActivityEntry.details[TARGET_CLASS_EXTERNAL_KEY],
        ).where(in_list(dialect_of(session), ActivityEntry.id, [r.id for r in wanted]))
    )
    lists, targets, external = {}, {}, {}
    for entry_id, absence_ids, target, target_external in found:
        lists[entry_id], targets[entry_id], external[entry_id] = (
            absence_ids,
            target,
            target_external,
        )
    absences = {
        r.id: listed_absences(lists.get(r.id), r.absence_id)
        for r in wanted
        if _record(r) is RequestedRecord.ABSENCES
    }
    return absences, targets, external


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


async def _target_classes(
    session: AsyncSession, organisation_id: int, targets: dict[int, Any], external: dict[int, Any]
) -> list[int]:
    ids = {int(t) for t in targets.values() if isinstance(t, int)}
    names = sorted({str(e) for e in external.values() if e is not None})
    if names:
        ids |= set(
            await session.scalars(
                select(ClassOffering.id).where(
                    ClassOffering.organisation_id == organisation_id,
                    ClassOffering.external_id.in_(names),
                )
            )
        )
    return sorted(ids)


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
    checked = _checked(rows)
    if not checked:
        return {}
    records = await _read(session, checked, lock=True, approving=decision is Decision.APPROVE)
    return {
        row.id: refusal
        for row in checked
        if (refusal := refusal_for(row, records, decision)) is not None
    }


async def moot_requests(session: AsyncSession, rows: Sequence[Request]) -> dict[int, Refusal]:
    """The pending requests among ``rows`` that can no longer be approved
    (their records locked), with why: these may be dismissed."""
    checked = _checked(rows)
    if not checked:
        return {}
    records = await _read(session, checked, lock=True, approving=False)
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
    records = await _read(session, checked, lock=False, approving=False)
    return {
        row.id: RecordState(
            refusal_for(row, records, Decision.APPROVE), refusal_for(row, records, Decision.DENY)
        )
        for row in checked
    }


def _checked(rows: Sequence[Request]) -> list[Request]:
    return [r for r in rows if r.status == WindowStatus.PENDING.value and r.type in CHECKED]


async def _read(
    session: AsyncSession, checked: Sequence[Request], *, lock: bool, approving: bool
) -> Records:
    """The records of ``checked``: read first without locks, the
    reschedules' original bookings and (approving) the classes the approvals
    count seats in; then, each in id order and locked with ``lock``: the
    original bookings' entries and the classes (approving), the enrollments,
    the absences, the bookings."""
    organisation_id = checked[0].organisation_id
    dialect = dialect_of(session)
    by_record: dict[RequestedRecord | None, list[Request]] = defaultdict(list)
    for row in checked:
        by_record[_record(row)].append(row)
    enrollment_ids = _ids(
        r.enrollment_id for record in ENROLLMENT_RECORDS for r in by_record[record]
    )
    bookings_of = by_record[RequestedRecord.BOOKING]
    booking_ids = _ids(r.appointment_id for r in bookings_of)
    records = Records()
    records.absences_of, targets, external = await _details(session, checked)

    originals: list[int] = []
    if booking_ids:
        found = await session.execute(
            select(AppointmentBooking.id, AppointmentBooking.rescheduled_from_id).where(
                in_list(dialect, AppointmentBooking.id, booking_ids),
                AppointmentBooking.organisation_id == organisation_id,
            )
        )
        rescheduled = {r.appointment_id for r in bookings_of if registry.kind(r.type).moves_booking}
        originals = _ids(original for booking, original in found if booking in rescheduled)
    if lock and approving:
        await lock_superseded_entries(session, organisation_id, originals)
        classes = set(await _target_classes(session, organisation_id, targets, external))
        requested = _ids(r.enrollment_id for r in by_record[RequestedRecord.NEW_ENROLLMENT])
        if requested:
            classes |= set(
                await session.scalars(
                    select(Enrollment.class_id).where(in_list(dialect, Enrollment.id, requested))
                )
            )
        if classes:
            await session.execute(
                select(ClassOffering.id)
                .where(in_list(dialect, ClassOffering.id, classes))
                .order_by(ClassOffering.id)
                .with_for_update()
            )

    if enrollment_ids:
        enrollments = (
            select(Enrollment.id, Enrollment.status)
            .where(
                in_list(dialect, Enrollment.id, enrollment_ids),
                Enrollment.organisation_id == organisation_id,
            )
            .order_by(Enrollment.id)
        )
        records.enrollments = {
            i: status for i, status in await session.execute(_locked(enrollments, lock))
        }
        records.transferred_out = {
            i
            for i in await session.scalars(
                select(Enrollment.transferred_from_id).where(
                    in_list(dialect, Enrollment.transferred_from_id, enrollment_ids)
                )
            )
            if i is not None
        }
    absence_ids = _ids(i for listed in records.absences_of.values() for i in listed)
    if absence_ids:
        absences = (
            select(Absence.id, Absence.status)
            .where(
                in_list(dialect, Absence.id, absence_ids),
                Absence.organisation_id == organisation_id,
            )
            .order_by(Absence.id)
        )
        records.absences = {
            i: status for i, status in await session.execute(_locked(absences, lock))
        }
    if booking_ids:
        bookings = (
            select(
                AppointmentBooking.id,
                AppointmentBooking.status,
                AppointmentBooking.rescheduled_from_id,
            )
            .where(
                in_list(dialect, AppointmentBooking.id, [*booking_ids, *originals]),
                AppointmentBooking.organisation_id == organisation_id,
            )
            .order_by(AppointmentBooking.id)
        )
        records.bookings = {
            i: (status, original)
            for i, status, original in await session.execute(_locked(bookings, lock))
        }
    return records


def _locked(query: Any, lock: bool) -> Any:
    return query.with_for_update() if lock else query
