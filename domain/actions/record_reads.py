"""Reading the records of pending requests as they are now, in the lock order.

The rules on what was read are in ``domain.actions.records``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kinds import registry
from domain.kinds.base import RequestedRecord
from domain.listed import dialect_of, in_list
from domain.lock_order import lock_superseded_entries
from models import Absence, ActivityEntry, AppointmentBooking, ClassOffering, Enrollment

ENROLLMENT_RECORDS = (RequestedRecord.NEW_ENROLLMENT, RequestedRecord.RUNNING_ENROLLMENT)


def requested_record(row: Request) -> RequestedRecord | None:
    return registry.kind(row.type).requested_record


TARGET_CLASS_KEY = "to_class_id"
TARGET_CLASS_EXTERNAL_KEY = "to_class_external_id"


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


async def _details(
    session: AsyncSession, rows: Sequence[Request]
) -> tuple[dict[int, list[int]], dict[int, Any], dict[int, Any]]:
    """Absence ids and transfer targets, read from the entries' details."""
    wanted = [
        r
        for r in rows
        if requested_record(r) is RequestedRecord.ABSENCES
        or registry.kind(r.type).transfers_enrollment
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
        if requested_record(r) is RequestedRecord.ABSENCES
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


async def read_records(
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
        by_record[requested_record(row)].append(row)
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
