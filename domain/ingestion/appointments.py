"""Appointment events: bookings, cancellations and reschedules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.bookings import supersede_booking_entries
from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.events import (
    AppointmentCanceledEvent,
    AppointmentEvent,
    AppointmentRescheduleEvent,
    PortalEventDetails,
)
from domain.lock_order import lock_superseded_entries
from domain.recording import NewEntry
from domain.vocabulary import ActivityType
from models import AppointmentBooking


async def lock_entries_to_supersede(
    session: AsyncSession, organisation_id: int, event: PortalEventDetails
) -> None:
    """An auto-approved reschedule takes the original booking's entries out
    of the window: lock them before any record is upserted
    (``domain.lock_order``, step 2), as staff approving one of them does
    (entry, then booking). Upserting the booking first deadlocked with such
    an approval on PostgreSQL."""
    if not isinstance(event, AppointmentRescheduleEvent) or not event.auto_approved:
        return
    original = await session.scalar(
        select(AppointmentBooking.id).where(
            AppointmentBooking.organisation_id == organisation_id,
            AppointmentBooking.external_id == event.original_booking.external_id,
        )
    )
    if original is not None:
        await lock_superseded_entries(session, organisation_id, [original])


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
