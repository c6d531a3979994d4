"""Enrollment entries and the portal's enrollment input."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.kinds.enrollment import DENY_WARNING, EnrollmentDetails, EnrollmentEvent
from schema.activity import AUTO_APPROVED, ActivityEntry
from schema.ingestion.references import EnrollmentInput


@strawberry.type
class EnrollmentActivity(ActivityEntry):
    @property
    def d(self) -> EnrollmentDetails:
        return self.facts(EnrollmentDetails)

    @strawberry.field
    def class_name(self) -> str | None:
        return self.d.class_name

    @strawberry.field
    def start_date(self) -> date | None:
        return self.d.start_date

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return self.d.enrollment_type

    @strawberry.field(description="Created by redeeming a punch pass.")
    def punch_pass(self) -> bool:
        return self.d.punch_pass

    @strawberry.field
    def auto_approved(self) -> bool:
        return self.d.auto_approved

    @strawberry.field(description="What denying this request does, for staff before they deny it.")
    def deny_warning(self) -> str:
        return DENY_WARNING


@strawberry.input(
    description="A new enrollment or enrollment request (the event's notes "
    "become the enrollment's notes)."
)
class EnrollmentEventInput:
    enrollment: EnrollmentInput
    punch_pass: bool = strawberry.field(
        default=False, description="Created by redeeming a punch pass."
    )
    auto_approved: bool = strawberry.field(default=False, description=AUTO_APPROVED)

    def to_domain(self) -> EnrollmentEvent:
        return EnrollmentEvent(self.enrollment.to_domain(), self.punch_pass, self.auto_approved)


OBJECT = EnrollmentActivity
INPUT = EnrollmentEventInput
