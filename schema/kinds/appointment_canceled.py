"""Canceled appointment entries and the portal's cancellation input."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.kinds.appointment import BookingDetails
from domain.kinds.appointment_canceled import AppointmentCanceledEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import BookingInput


@strawberry.type
class AppointmentCanceledActivity(ActivityEntry):
    @property
    def d(self) -> BookingDetails:
        return self.facts(BookingDetails)

    @strawberry.field
    def title(self) -> str | None:
        return self.d.title

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return self.d.starts_at


@strawberry.input(description="An appointment booking the family canceled.")
class AppointmentCanceledEventInput:
    booking: BookingInput

    def to_domain(self) -> AppointmentCanceledEvent:
        return AppointmentCanceledEvent(self.booking.to_domain())


OBJECT = AppointmentCanceledActivity
INPUT = AppointmentCanceledEventInput
