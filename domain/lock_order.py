"""The one order in which a unit of work takes row locks.

Two transactions that each wait for a row the other holds are a deadlock:
PostgreSQL aborts one of them. (SQLite's ``BEGIN IMMEDIATE`` serialises
writers, so there the order only matters for what each one reads.) Every
unit of work that writes takes its locks in this order, and never goes back
to an earlier step once it has taken a lock of a later one:

1. The caller's own claim: the staff member's edit lease (``domain.lock``)
   for a staff action, the event's idempotency key (``portal_events``) for
   ingestion.
2. Activity entries, in id order: those an action selected (``FOR UPDATE``
   in ``domain.actions.selection``), then those it will take out of the
   window as a side effect (the original booking's entries when a
   reschedule is applied: ``lock_superseded_entries``). Ingestion locks the
   entries it will supersede before it upserts any record.
3. The records entries refer to, table by table in this order, each table
   in id order: families, students, locations, classes, enrollments,
   absences, appointment bookings, online orders, products. Staff actions
   lock all the records they will touch up front (``domain.actions.records``)
   before any rule reads or writes them; ingestion upserts the records an
   event names, which locks them, in this table order (a transfer upserts
   both its classes before the enrollment).
4. The organisation's row (``Journal.allocate``: the sequence number, held
   to commit so changes commit in sequence order), then its badge counters
   (``activity_counters``, in key order).

Ingestion takes several records of one table in id order too (rows we have
by id, then new ones by external id: ``References.enrollments``,
``offerings``, ``products``). The one known exception: a mass approval locks
the entries its reschedules supersede after the entries it selected, so two
staff members approving, at the same moment, one a reschedule request and
the other that request together with the original booking's entry, may
still deadlock. ``tests/api/test_lock_order.py`` races staff approvals
against ingestion on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import BOOKING_ENTRY_TYPES
from domain.listed import dialect_of, in_list
from models import ActivityEntry


async def lock_superseded_entries(
    session: AsyncSession, organisation_id: int, booking_ids: Collection[int]
) -> list[int]:
    """Step 2 for a reschedule: lock the open entries of the original
    bookings, in id order, before any record is locked; returns their ids."""
    if not booking_ids:
        return []
    rows = await session.scalars(
        select(ActivityEntry.id)
        .where(
            ActivityEntry.organisation_id == organisation_id,
            in_list(dialect_of(session), ActivityEntry.appointment_id, sorted(booking_ids)),
            ActivityEntry.type.in_(BOOKING_ENTRY_TYPES),
            ActivityEntry.resolution.is_(None),
        )
        .order_by(ActivityEntry.id)
        .with_for_update()
    )
    return list(rows)
