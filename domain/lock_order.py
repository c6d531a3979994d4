"""The one order in which a unit of work takes row locks.

Two transactions that each wait for a row the other holds are a deadlock:
PostgreSQL aborts one of them. (SQLite's ``BEGIN IMMEDIATE`` serialises
writers, so there the order only matters for what each one reads.) Every
unit of work that writes takes its locks in this order, and never goes back
to an earlier step once it has taken a lock of a later one:

1. The caller's own claim: the staff member's edit lease (``domain.lock``)
   for a staff action, the event's idempotency key (``portal_events``) for
   ingestion.
2. Activity entries, in id order, in one statement: those an action
   selected together with those it will take out of the window as a side
   effect (the original booking's entries when a reschedule request is
   approved), found before any lock is taken
   (``entries_superseded_by_approving``) and locked with the selection
   (``domain.actions.selection.resolve_facts``). Ingestion locks the entries
   it will supersede before it upserts any record
   (``lock_superseded_entries``).
3. The records entries refer to, table by table in this order, each table
   in id order: families, students, locations, classes, enrollments,
   absences, appointment bookings, online orders, products. Staff actions
   lock all the records they will touch up front (``domain.actions.records``)
   before any rule reads or writes them; ingestion upserts the records an
   event names, which locks them, in this table order (a transfer upserts
   both its classes before the enrollment). An unchanged location is read,
   not locked (``References.location``).
4. Just before commit (``domain.sequencing``): the organisations' rows, in
   id order (the final sequence numbers, held to commit so changes commit
   in sequence order), then the writes deferred to that point (a mass
   action's entry updates and change rows: entries it locked in step 2, new
   rows, and key checks on rows its audit insert already holds), and their
   badge counters (``activity_counters``, in key order). On PostgreSQL each
   organisation's counters are written in the statement that locks its row,
   after it: an organisation's counters are only ever written under its
   row's lock, so that lock orders them, and the lock is held for that one
   statement and the commit.
   ``Journal.allocate`` hands out provisional numbers and takes no lock.
   A settings change locks its organisation's row first and nothing else:
   the entries it journals as shown differently
   (``domain.settings_effects``) are read, not locked.

Ingestion takes several records of one table in id order too (rows we have
by id, then new ones by external id: ``References.enrollments``,
``offerings``, ``products``). Locking a superseded entry in its own
statement after the selected ones (as approval once did) deadlocked two
staff members approving at once, one a reschedule request and the other
that request with the original booking's entry: each held one of the two
entries and waited for the other. ``tests/api/test_lock_order.py`` races
that pair, and staff approvals against ingestion, on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.bookings import booking_entry_types
from domain.kinds import registry
from domain.listed import dialect_of, in_list
from domain.vocabulary import WindowStatus
from models import ActivityEntry, AppointmentBooking


async def entries_superseded_by_approving(
    session: AsyncSession, organisation_id: int, selected: ColumnElement[bool]
) -> list[int]:
    """Step 2, read before any lock: the open entries that approving the
    entries matching ``selected`` would supersede, in id order. Approving a
    reschedule request moves the original booking, whose entries "will
    automatically be removed" from the window (``domain.bookings``); the
    caller locks them in the statement that locks ``selected``.

    An entry of the original booking recorded after this read is locked by
    ``lock_superseded_entries`` before any record (``domain.actions.records``).
    """
    original = aliased(ActivityEntry)
    found = await session.scalars(
        select(original.id)
        .select_from(original)
        .join(AppointmentBooking, AppointmentBooking.rescheduled_from_id == original.appointment_id)
        .join(ActivityEntry, ActivityEntry.appointment_id == AppointmentBooking.id)
        .where(
            selected,
            ActivityEntry.type.in_(sorted(registry.types_where(lambda k: k.moves_booking))),
            ActivityEntry.status == WindowStatus.PENDING.value,
            ActivityEntry.resolution.is_(None),
            AppointmentBooking.organisation_id == organisation_id,
            original.organisation_id == organisation_id,
            original.type.in_(booking_entry_types()),
            original.resolution.is_(None),
        )
        .order_by(original.id)
    )
    return sorted(set(found))


async def lock_superseded_entries(
    session: AsyncSession, organisation_id: int, booking_ids: Collection[int]
) -> list[int]:
    """Step 2 for a reschedule: lock the open entries of the original
    bookings, in id order, before any record is locked; returns their ids.
    Ingestion's own step 2; for staff approval, which locked them with its
    selection already, a re-check that locks only an entry recorded since."""
    if not booking_ids:
        return []
    rows = await session.scalars(
        select(ActivityEntry.id)
        .where(
            ActivityEntry.organisation_id == organisation_id,
            in_list(dialect_of(session), ActivityEntry.appointment_id, sorted(booking_ids)),
            ActivityEntry.type.in_(booking_entry_types()),
            ActivityEntry.resolution.is_(None),
        )
        .order_by(ActivityEntry.id)
        .with_for_update()
    )
    return list(rows)
