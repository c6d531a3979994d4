"""Appointment reschedule entries and the portal's reschedule input."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.kinds.appointment_reschedule import AppointmentRescheduleEvent, RescheduleDetails
from schema.activity import AUTO_APPROVED, ActivityEntry
from schema.ingestion.references import BookingInput


@strawberry.type
class AppointmentRescheduleActivity(ActivityEntry):
    @property
    def d(self) -> RescheduleDetails:
        return self.facts(RescheduleDetails)

    @strawberry.field
    def title(self) -> str | None:
        return self.d.title

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return self.d.starts_at

    @strawberry.field
    def previous_starts_at(self) -> datetime | None:
        return self.d.previous_starts_at

    @strawberry.field
    def auto_approved(self) -> bool:
        return self.d.auto_approved


@strawberry.input(description="An appointment moved to a new booking.")
class AppointmentRescheduleEventInput:
    original_booking: BookingInput = strawberry.field(
        description="The booking being replaced; when auto-approved its open entry is removed."
    )
    booking: BookingInput = strawberry.field(description="The new booking.")
    auto_approved: bool = strawberry.field(default=False, description=AUTO_APPROVED)

    def to_domain(self) -> AppointmentRescheduleEvent:
        return AppointmentRescheduleEvent(
            self.original_booking.to_domain(), self.booking.to_domain(), self.auto_approved
        )


OBJECT = AppointmentRescheduleActivity
INPUT = AppointmentRescheduleEventInput
