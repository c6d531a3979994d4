"""Inputs for the records a portal event refers to, by the portal's ids.

Each carries its descriptive fields: the service keeps them current from
the events alone (upserted by ``externalId``). A field left out is unknown,
never a default: what we know of the record is kept.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from domain.ingestion import events
from domain.rules.enrollment_types import EnrollmentType as DomainEnrollmentType

EnrollmentType = strawberry.enum(DomainEnrollmentType, name="EnrollmentType")


@strawberry.input(description="The family acting in the portal.")
class FamilyInput:
    external_id: str
    name: str
    email: str | None = strawberry.field(default=None, description="Null keeps the one we have.")
    email_opt_in: bool | None = strawberry.field(
        default=None,
        description="Receives email blasts. Null keeps the family's current choice "
        "(new families are opted in).",
    )

    def to_domain(self) -> events.FamilyRef:
        return events.FamilyRef(self.external_id, self.name, self.email, self.email_opt_in)


@strawberry.input
class LocationInput:
    external_id: str
    name: str

    def to_domain(self) -> events.LocationRef:
        return events.LocationRef(self.external_id, self.name)


def location_ref(value: LocationInput | None) -> events.LocationRef | None:
    return None if value is None else value.to_domain()


@strawberry.input(description="A student of the event's family.")
class StudentInput:
    external_id: str
    first_name: str
    last_name: str

    def to_domain(self) -> events.StudentRef:
        return events.StudentRef(self.external_id, self.first_name, self.last_name)


def _sent(value: Any) -> Any:
    """An input field the portal left out is NOT_SENT; null stays None."""
    return events.NOT_SENT if value is strawberry.UNSET else value


KEPT_IF_LEFT_OUT = "Left out: the one we know is kept."


@strawberry.input
class ClassInput:
    external_id: str
    name: str
    location: LocationInput
    capacity: int | None = strawberry.field(
        default=strawberry.UNSET, description=f"Null: unlimited. {KEPT_IF_LEFT_OUT}"
    )
    class_end_date: date | None = strawberry.field(
        default=strawberry.UNSET, description=f"Null: none. {KEPT_IF_LEFT_OUT}"
    )
    session_end_date: date | None = strawberry.field(
        default=strawberry.UNSET, description=f"Null: none. {KEPT_IF_LEFT_OUT}"
    )

    def to_domain(self) -> events.ClassRef:
        return events.ClassRef(
            external_id=self.external_id,
            name=self.name,
            location=self.location.to_domain(),
            capacity=_sent(self.capacity),
            class_end_date=_sent(self.class_end_date),
            session_end_date=_sent(self.session_end_date),
        )


@strawberry.input(description="A student's enrollment in a class.")
class EnrollmentInput:
    external_id: str
    student: StudentInput
    class_: ClassInput = strawberry.field(name="class")
    type: DomainEnrollmentType | None = strawberry.field(
        default=None,
        description="Null or left out: unknown, not STANDARD; the type we know is kept "
        "(an enrollment first seen without one has none until the portal says).",
    )
    start_date: date | None = strawberry.field(
        default=None, description="Null keeps the one we have."
    )
    drop_date: date | None = strawberry.field(
        default=None, description="A drop date already on the enrollment; null keeps ours."
    )

    def to_domain(self) -> events.EnrollmentRef:
        return events.EnrollmentRef(
            external_id=self.external_id,
            student=self.student.to_domain(),
            offering=self.class_.to_domain(),
            type=None if self.type is None else DomainEnrollmentType(self.type),
            start_date=self.start_date,
            drop_date=self.drop_date,
        )


@strawberry.input(description="An appointment booking.")
class BookingInput:
    external_id: str
    title: str
    starts_at: datetime
    location: LocationInput | None = strawberry.field(
        default=None, description="Null keeps the one we have."
    )
    student: StudentInput | None = strawberry.field(
        default=None, description="Null keeps the one we have."
    )

    def to_domain(self) -> events.BookingRef:
        return events.BookingRef(
            external_id=self.external_id,
            title=self.title,
            starts_at=self.starts_at,
            location=location_ref(self.location),
            student=None if self.student is None else self.student.to_domain(),
        )


@strawberry.input(description="A point-of-sale product.")
class ProductInput:
    external_id: str
    name: str

    def to_domain(self) -> events.ProductRef:
        return events.ProductRef(self.external_id, self.name)


__all__ = [
    "BookingInput",
    "ClassInput",
    "EnrollmentInput",
    "EnrollmentType",
    "FamilyInput",
    "LocationInput",
    "ProductInput",
    "StudentInput",
    "location_ref",
]
