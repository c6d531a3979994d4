"""Appointment bookings once rescheduled: their entries leave the window.

Shared by portal ingestion (an auto-approved reschedule) and staff approval
of a reschedule request, so neither package imports the other.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.journal import ChangeKind, EntryKey, Journal
from domain.kinds import registry
from domain.vocabulary import Resolution
from models import ActivityEntry, AuditRecord

# Entries that act on a booking: once it is rescheduled they can no longer be acted on.


def booking_entry_types() -> list[str]:
    """The kinds whose entries wait on an appointment booking."""
    return sorted(registry.types_where(lambda kind: kind.books_appointment))


PORTAL_RESCHEDULE_REASON = "The appointment booking was rescheduled in the customer portal."


async def supersede_booking_entries(
    session: AsyncSession,
    journal: Journal,
    organisation_id: int,
    booking_id: int,
    *,
    now: datetime,
    reason: str = PORTAL_RESCHEDULE_REASON,
    keep: Collection[int] = (),
) -> list[int]:
    """Remove the open entries of a rescheduled booking from the window.

    "If the entry for the original appointment booking still exists in the
    Online Activity window, it will automatically be removed, as the system
    will no longer be able to take action on it." Each is resolved
    SUPERSEDED (a concurrent staff decision wins: only open rows change),
    journaled as REMOVED so counters and live clients follow, and audited
    as a system action with ``reason``. Staff approving a reschedule request
    use it too, passing in ``keep`` the entries their own action resolves.
    """
    open_entries = [
        ActivityEntry.organisation_id == organisation_id,
        ActivityEntry.appointment_id == booking_id,
        ActivityEntry.type.in_(booking_entry_types()),
        ActivityEntry.resolution.is_(None),
    ]
    if keep:
        open_entries.append(ActivityEntry.id.not_in(list(keep)))
    removed = (
        await session.execute(
            update(ActivityEntry)
            .where(*open_entries)
            .values(
                resolution=Resolution.SUPERSEDED.value,
                processed_at=now,
                version=ActivityEntry.version + 1,
            )
            .returning(
                ActivityEntry.id,
                ActivityEntry.type,
                ActivityEntry.status,
                ActivityEntry.location_id,
                ActivityEntry.family_id,
                ActivityEntry.student_id,
                ActivityEntry.occurred_at,
                ActivityEntry.sequence,
                ActivityEntry.notes,
                ActivityEntry.details,
            )
        )
    ).all()
    if not removed:
        return []
    rows = sorted(removed, key=lambda r: r.id)
    first = await journal.allocate(organisation_id, len(rows))
    for offset, row in enumerate(rows):
        await session.execute(
            update(ActivityEntry)
            .where(ActivityEntry.id == row.id)
            .values(updated_seq=first + offset)
        )
        session.add(
            AuditRecord(
                organisation_id=organisation_id,
                action=Resolution.SUPERSEDED.value,
                entry_id=row.id,
                entry_type=row.type,
                location_id=row.location_id,
                staff_id=None,
                staff_name=None,
                at=now,
                reason=reason,
                snapshot={
                    "type": row.type,
                    "status": row.status,
                    "sequence": row.sequence,
                    "occurred_at": row.occurred_at.astimezone(UTC).isoformat(),
                    "location_id": row.location_id,
                    "family_id": row.family_id,
                    "student_id": row.student_id,
                    "notes": row.notes,
                    "details": row.details,
                },
            )
        )
    await journal.record(
        organisation_id,
        [EntryKey(r.id, r.type, r.status, r.location_id) for r in rows],
        change=ChangeKind.REMOVED,
        reason=Resolution.SUPERSEDED.value,
        first_sequence=first,
    )
    return [r.id for r in rows]
