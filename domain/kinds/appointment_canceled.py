"""Appointment Booking Canceled: "Notification of appointment cancellations"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.events import BookingRef
from domain.ingestion.validation import Checks, Path, check_booking
from domain.kinds.appointment import BookingDetails
from domain.kinds.base import Kind, PortalEvent, on, who
from domain.recording import NewEntry
from domain.vocabulary import Task
from models.statuses import AppointmentStatus

NAME = "APPOINTMENT_CANCELED"


@dataclass(frozen=True)
class AppointmentCanceledEvent(PortalEvent):
    """ "Appointment Booking Canceled - Notification of appointment cancellations"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "appointmentCanceled"
    booking: BookingRef

    def check(self, checks: Checks, path: Path) -> None:
        check_booking(checks, self.booking, (*path, "booking"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        booking = await ing.refs.booking(
            self.booking,
            ing.family_id,
            status=AppointmentStatus.CANCELED,
            status_if_new=AppointmentStatus.CANCELED,
        )
        facts = {"title": self.booking.title, "starts_at": iso_datetime(self.booking.starts_at)}
        return [
            ing.booking_entry(
                NAME,
                facts,
                booking,
            )
        ]


class AppointmentCanceled(Kind[BookingDetails]):
    name = NAME
    label = "Appointment Booking Canceled"
    event = AppointmentCanceledEvent
    details = BookingDetails
    task = Task.APPOINTMENTS

    def summary(self, details: BookingDetails) -> str:
        return f"{who(details)} canceled {details.title or 'an appointment'}{on(details.when)}"


KIND = AppointmentCanceled()
