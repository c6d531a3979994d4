"""New family account entries and the portal's new-account input."""

from __future__ import annotations

import strawberry

from domain.kinds.new_account import NewAccountDetails, NewAccountEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import StudentInput


@strawberry.type
class NewAccountActivity(ActivityEntry):
    @strawberry.field
    def email(self) -> str | None:
        return self.facts(NewAccountDetails).email


@strawberry.input(description="A new family account (the family input), with its students.")
class NewAccountEventInput:
    students: list[StudentInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> NewAccountEvent:
        return NewAccountEvent(tuple(s.to_domain() for s in self.students))


OBJECT = NewAccountActivity
INPUT = NewAccountEventInput
