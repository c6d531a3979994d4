"""Appointment booking entries and the portal's booking input."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.kinds.appointment import AppointmentDetails, AppointmentEvent
from schema.activity import AUTO_APPROVED, ActivityEntry
from schema.ingestion.references import BookingInput


@strawberry.type
class AppointmentActivity(ActivityEntry):
    @property
    def d(self) -> AppointmentDetails:
        return self.facts(AppointmentDetails)

    @strawberry.field
    def title(self) -> str | None:
        return self.d.title

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return self.d.starts_at

    @strawberry.field
    def auto_approved(self) -> bool:
        return self.d.auto_approved


@strawberry.input(description="An appointment booking, requested or auto-approved.")
class AppointmentEventInput:
    booking: BookingInput
    auto_approved: bool = strawberry.field(default=False, description=AUTO_APPROVED)

    def to_domain(self) -> AppointmentEvent:
        return AppointmentEvent(self.booking.to_domain(), self.auto_approved)


OBJECT = AppointmentActivity
INPUT = AppointmentEventInput
