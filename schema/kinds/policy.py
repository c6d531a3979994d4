"""Policy entries and the portal's policy input."""

from __future__ import annotations

import strawberry

from domain.kinds.policy import PolicyDetails, PolicyEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import StudentInput


@strawberry.type
class PolicyActivity(ActivityEntry):
    @strawberry.field
    def policy_name(self) -> str | None:
        return self.facts(PolicyDetails).policy_name

    @strawberry.field
    def accepted(self) -> bool:
        return self.facts(PolicyDetails).accepted


@strawberry.input(description="A policy accepted or rejected, by the family or for a student.")
class PolicyEventInput:
    policy_name: str
    accepted: bool
    student: StudentInput | None = None

    def to_domain(self) -> PolicyEvent:
        return PolicyEvent(
            self.policy_name,
            self.accepted,
            None if self.student is None else self.student.to_domain(),
        )


OBJECT = PolicyActivity
INPUT = PolicyEventInput
