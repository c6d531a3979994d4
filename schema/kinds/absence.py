"""Absence entries and the portal's absence input."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.kinds.absence import AbsenceDetails, AbsenceEvent
from schema.activity import AUTO_APPROVED, ActivityEntry
from schema.ingestion.references import EnrollmentInput


@strawberry.type
class AbsenceActivity(ActivityEntry):
    @property
    def d(self) -> AbsenceDetails:
        return self.facts(AbsenceDetails)

    @strawberry.field
    def absence_date(self) -> date | None:
        return self.d.absence_date

    @strawberry.field
    def class_name(self) -> str | None:
        return self.d.class_name

    @strawberry.field
    def reason(self) -> str | None:
        return self.d.reason


@strawberry.input(description="A future absence over one or more enrollments.")
class AbsenceEventInput:
    external_id: str
    absence_date: date
    enrollments: list[EnrollmentInput] = strawberry.field(
        description="One entry is made per location of these enrollments."
    )
    reason: str | None = None
    auto_approved: bool = strawberry.field(default=False, description=AUTO_APPROVED)

    def to_domain(self) -> AbsenceEvent:
        return AbsenceEvent(
            external_id=self.external_id,
            absence_date=self.absence_date,
            enrollments=tuple(e.to_domain() for e in self.enrollments),
            reason=self.reason,
            auto_approved=self.auto_approved,
        )


OBJECT = AbsenceActivity
INPUT = AbsenceEventInput
