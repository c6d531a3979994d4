"""Appointment Reschedule Request: ``booking`` replaces ``original_booking``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions import request_effects as effects
from domain.bookings import supersede_booking_entries
from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import BookingRef
from domain.ingestion.validation import Checks, Path, check_booking
from domain.kinds.appointment import BookingDetails
from domain.kinds.base import Instant, Kind, PortalEvent, RequestedRecord, who
from domain.lock_order import lock_superseded_entries
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import AppointmentBooking
from models.statuses import AppointmentStatus

NAME = "APPOINTMENT_RESCHEDULE"


@dataclass(frozen=True)
class AppointmentRescheduleEvent(PortalEvent):
    """ "Appointment Reschedule Request": ``booking`` replaces ``original_booking``."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "appointmentReschedule"
    original_booking: BookingRef
    booking: BookingRef
    auto_approved: bool = False

    def check(self, checks: Checks, path: Path) -> None:
        check_booking(checks, self.original_booking, (*path, "originalBooking"))
        check_booking(checks, self.booking, (*path, "booking"))
        if self.original_booking.external_id == self.booking.external_id:
            checks.add(
                PortalEventErrorCode.SAME_BOOKING,
                "the rescheduled booking must differ from the original",
                (*path, "booking", "externalId"),
            )

    async def lock_first(self, session: AsyncSession, organisation_id: int) -> None:
        """An auto-approved reschedule takes the original booking's entries
        out of the window: lock them before any record is upserted
        (``domain.lock_order``, step 2), as staff approving one of them does
        (entry, then booking). Upserting the booking first deadlocked with
        such an approval on PostgreSQL."""
        if not self.auto_approved:
            return
        original = await session.scalar(
            select(AppointmentBooking.id).where(
                AppointmentBooking.organisation_id == organisation_id,
                AppointmentBooking.external_id == self.original_booking.external_id,
            )
        )
        if original is not None:
            await lock_superseded_entries(session, organisation_id, [original])

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """The new booking replaces the original. "If an appointment booking
        is rescheduled (and auto-approved) via the Customer Portal/Mobile
        App, an entry will be created in the Online Activity window for the
        rescheduled booking. If the entry for the original appointment
        booking still exists in the Online Activity window, it will
        automatically be removed": the original becomes RESCHEDULED and its
        open entries are superseded. A reschedule *request* leaves the
        original booked until staff approve.

        The original booking is sent with its descriptive fields like any
        reference, so an original we never saw is simply recorded too.
        """
        original = await ing.refs.booking(
            self.original_booking,
            ing.family_id,
            status=AppointmentStatus.RESCHEDULED if self.auto_approved else None,
            status_if_new=AppointmentStatus.RESCHEDULED
            if self.auto_approved
            else AppointmentStatus.BOOKED,
        )
        booking = await ing.refs.booking(
            self.booking,
            ing.family_id,
            status=AppointmentStatus.BOOKED if self.auto_approved else AppointmentStatus.REQUESTED,
            status_if_new=AppointmentStatus.REQUESTED,
            rescheduled_from_id=original.id,
        )
        if self.auto_approved:
            await supersede_booking_entries(
                ing.session, ing.journal, ing.organisation_id, original.id, now=ing.now
            )
        facts = {
            "title": self.booking.title,
            "starts_at": iso_datetime(self.booking.starts_at),
            "previous_starts_at": iso_datetime(self.original_booking.starts_at),
            "original_booking_id": original.id,
            "auto_approved": self.auto_approved,
        }
        return [
            ing.booking_entry(
                NAME,
                facts,
                booking,
                auto_approved=self.auto_approved,
            )
        ]


class RescheduleDetails(BookingDetails):
    previous_starts_at: Instant | None = None
    original_booking_id: int | None = None
    auto_approved: bool = False


class AppointmentReschedule(Kind[RescheduleDetails]):
    name = NAME
    label = "Appointment Reschedule Request"
    event = AppointmentRescheduleEvent
    details = RescheduleDetails
    task = Task.APPOINTMENTS
    requestable = True
    auto_approvable = True
    books_appointment = True
    requested_record = RequestedRecord.BOOKING
    approval = effects.BOOK_APPOINTMENT
    denial = effects.DENY_BOOKING
    moves_booking = True

    def summary(self, details: RescheduleDetails) -> str:
        return f"{who(details)} moved {details.title or 'an appointment'} to {details.when}"


KIND = AppointmentReschedule()
