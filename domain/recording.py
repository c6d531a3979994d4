"""Recording new entries in the window: sequence, change record, counters.

Every path that adds entries (portal ingestion, the demo seed, test
fixtures) goes through ``record_entries`` so the badge counters and the
ordered change record stay true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Problem
from domain.journal import ChangeKind, EntryKey, Journal
from domain.kinds.base import Details
from domain.vocabulary import ActivityType, WindowStatus
from models import ActivityEntry

# The entry detail that says why a portal event was not applied as sent:
# the event is still recorded ("nothing a family sent is lost").
NOT_APPLIED_KEY = "not_applied"


@dataclass
class NewEntry:
    type: ActivityType
    status: WindowStatus
    occurred_at: datetime
    location_id: int | None = None
    family_id: int | None = None
    student_id: int | None = None
    notes: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    enrollment_id: int | None = None
    appointment_id: int | None = None
    absence_id: int | None = None
    order_id: int | None = None
    payment_id: int | None = None
    portal_event_id: int | None = None


async def record_entries(
    session: AsyncSession, journal: Journal, organisation_id: int, new: Sequence[NewEntry]
) -> list[ActivityEntry]:
    """Insert the entries with consecutive sequence numbers and journal them."""
    if not new:
        return []
    first = await journal.allocate(organisation_id, len(new))
    rows = []
    for offset, item in enumerate(new):
        notes = item.notes.strip() if item.notes and item.notes.strip() else None
        row = ActivityEntry(
            organisation_id=organisation_id,
            sequence=first + offset,
            updated_seq=first + offset,
            type=item.type.value,
            status=item.status.value,
            location_id=item.location_id,
            family_id=item.family_id,
            student_id=item.student_id,
            occurred_at=item.occurred_at,
            notes=notes,
            has_notes=notes is not None,
            details=item.details,
            enrollment_id=item.enrollment_id,
            appointment_id=item.appointment_id,
            absence_id=item.absence_id,
            order_id=item.order_id,
            payment_id=item.payment_id,
            portal_event_id=item.portal_event_id,
            version=1,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    await journal.record(
        organisation_id,
        [EntryKey(r.id, r.type, r.status, r.location_id) for r in rows],
        change=ChangeKind.ADDED,
        reason="RECORDED",
        first_sequence=first,
    )
    return rows


def not_applied_problem(details: Mapping[str, Any]) -> Problem | None:
    """Why the portal event behind an entry was not applied as sent, if it was not."""
    found = Details.model_validate(details).not_applied
    return None if found is None else found.problem()
