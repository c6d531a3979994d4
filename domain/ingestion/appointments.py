"""Appointment events: bookings, cancellations and reschedules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.events import (
    AppointmentCanceledEvent,
    AppointmentEvent,
    AppointmentRescheduleEvent,
)
from domain.journal import ChangeKind, EntryKey, Journal
from domain.recording import NewEntry
from domain.vocabulary import ActivityType, Resolution
from models import ActivityEntry, AuditRecord

# Entries that act on a booking: once it is rescheduled they can no longer be acted on.
BOOKING_ENTRY_TYPES = (ActivityType.APPOINTMENT.value, ActivityType.APPOINTMENT_RESCHEDULE.value)


async def record_appointment(ing: Ingestion, event: AppointmentEvent) -> list[NewEntry]:
    """ "Appointment - appointment bookings (auto-approved or requested)"."""
    booking = await ing.refs.booking(
        event.booking,
        ing.family_id,
        status="BOOKED" if event.auto_approved else "REQUESTED",
        status_if_new="REQUESTED",
    )
    return [
        ing.entry(
            ActivityType.APPOINTMENT,
            {
                "title": event.booking.title,
                "starts_at": iso_datetime(event.booking.starts_at),
                "auto_approved": event.auto_approved,
            },
            auto_approved=event.auto_approved,
            location_id=booking.location_id,
            student_id=booking.student_id,
            student_name=booking.student_name,
            appointment_id=booking.id,
        )
    ]


async def record_appointment_canceled(
    ing: Ingestion, event: AppointmentCanceledEvent
) -> list[NewEntry]:
    """ "Appointment Booking Canceled - Notification of appointment cancellations"."""
    booking = await ing.refs.booking(
        event.booking, ing.family_id, status="CANCELED", status_if_new="CANCELED"
    )
    return [
        ing.entry(
            ActivityType.APPOINTMENT_CANCELED,
            {"title": event.booking.title, "starts_at": iso_datetime(event.booking.starts_at)},
            location_id=booking.location_id,
            student_id=booking.student_id,
            student_name=booking.student_name,
            appointment_id=booking.id,
        )
    ]


async def record_appointment_reschedule(
    ing: Ingestion, event: AppointmentRescheduleEvent
) -> list[NewEntry]:
    """The new booking replaces the original. "If an appointment booking is
    rescheduled (and auto-approved) via the Customer Portal/Mobile App, an
    entry will be created in the Online Activity window for the rescheduled
    booking. If the entry for the original appointment booking still exists
    in the Online Activity window, it will automatically be removed": the
    original becomes RESCHEDULED and its open entries are superseded. A
    reschedule *request* leaves the original booked until staff approve.

    The original booking is sent with its descriptive fields like any
    reference, so an original we never saw is simply recorded too.
    """
    original = await ing.refs.booking(
        event.original_booking,
        ing.family_id,
        status="RESCHEDULED" if event.auto_approved else None,
        status_if_new="RESCHEDULED" if event.auto_approved else "BOOKED",
    )
    booking = await ing.refs.booking(
        event.booking,
        ing.family_id,
        status="BOOKED" if event.auto_approved else "REQUESTED",
        status_if_new="REQUESTED",
        rescheduled_from_id=original.id,
    )
    if event.auto_approved:
        await supersede_booking_entries(
            ing.session, ing.journal, ing.organisation_id, original.id, now=ing.now
        )
    return [
        ing.entry(
            ActivityType.APPOINTMENT_RESCHEDULE,
            {
                "title": event.booking.title,
                "starts_at": iso_datetime(event.booking.starts_at),
                "previous_starts_at": iso_datetime(event.original_booking.starts_at),
                "original_booking_id": original.id,
                "auto_approved": event.auto_approved,
            },
            auto_approved=event.auto_approved,
            location_id=booking.location_id,
            student_id=booking.student_id,
            student_name=booking.student_name,
            appointment_id=booking.id,
        )
    ]


async def supersede_booking_entries(
    session: AsyncSession, journal: Journal, organisation_id: int, booking_id: int, *, now: datetime
) -> list[int]:
    """Remove the open entries of a rescheduled booking from the window.

    "If the entry for the original appointment booking still exists in the
    Online Activity window, it will automatically be removed, as the system
    will no longer be able to take action on it." Each is resolved
    SUPERSEDED (a concurrent staff decision wins: only open rows change),
    journaled as REMOVED so counters and live clients follow, and audited
    as a system action. Also usable when staff approve a reschedule request.
    """
    removed = (
        await session.execute(
            update(ActivityEntry)
            .where(
                ActivityEntry.organisation_id == organisation_id,
                ActivityEntry.appointment_id == booking_id,
                ActivityEntry.type.in_(BOOKING_ENTRY_TYPES),
                ActivityEntry.resolution.is_(None),
            )
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
                reason="The appointment booking was rescheduled in the customer portal.",
                snapshot={
                    "type": row.type,
                    "status": row.status,
                    "sequence": row.sequence,
                    "occurred_at": iso_datetime(row.occurred_at),
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
