"""Appointment: "appointment bookings (auto-approved or requested)"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.actions import request_effects as effects
from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.events import BookingRef
from domain.ingestion.validation import Checks, Path, check_booking
from domain.kinds.base import Details, Instant, Kind, PortalEvent, RequestedRecord, on, who
from domain.recording import NewEntry
from domain.vocabulary import Task
from models.statuses import AppointmentStatus

NAME = "APPOINTMENT"


@dataclass(frozen=True)
class AppointmentEvent(PortalEvent):
    """ "Appointment - appointment bookings (auto-approved or requested)"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "appointment"
    booking: BookingRef
    auto_approved: bool = False

    def check(self, checks: Checks, path: Path) -> None:
        check_booking(checks, self.booking, (*path, "booking"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        booking = await ing.refs.booking(
            self.booking,
            ing.family_id,
            status=AppointmentStatus.BOOKED if self.auto_approved else AppointmentStatus.REQUESTED,
            status_if_new=AppointmentStatus.REQUESTED,
        )
        facts = {
            "title": self.booking.title,
            "starts_at": iso_datetime(self.booking.starts_at),
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


class BookingDetails(Details):
    """What the window shows of a booking (shared by the appointment kinds)."""

    title: str | None = None
    starts_at: Instant | None = None

    @property
    def when(self) -> str | None:
        return None if self.starts_at is None else self.starts_at.isoformat()


class AppointmentDetails(BookingDetails):
    auto_approved: bool = False


class Appointment(Kind[AppointmentDetails]):
    name = NAME
    label = "Appointment"
    event = AppointmentEvent
    details = AppointmentDetails
    task = Task.APPOINTMENTS
    requestable = True
    auto_approvable = True
    books_appointment = True
    requested_record = RequestedRecord.BOOKING
    approval = effects.BOOK_APPOINTMENT
    denial = effects.DENY_BOOKING

    def summary(self, details: AppointmentDetails) -> str:
        return f"{who(details)} booked {details.title or 'an appointment'}{on(details.when)}"


KIND = Appointment()
