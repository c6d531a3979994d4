"""What an entry tells staff to judge it by: the school's criteria a drop
request misses, and why a portal event was not applied as sent."""

from __future__ import annotations

import strawberry

from domain.errors import Problem
from domain.rules.drops import DropCriterion, MissedCriterion
from schema.errors import DropErrorCodeEnum, NotAppliedCode, TypedCode

__all__ = ["DropCriterion", "MissedDropCriterion", "NotApplied"]

strawberry.enum(
    DropCriterion,
    name="DropCriterion",
    description="A criterion of the school for valid drop requests (Settings: the drop notice "
    "period, a required and valid drop reason). Pass the ones a request misses as "
    "`acceptCriteria` to approve it anyway.",
)


@strawberry.type(description="A criterion of the school that a drop request misses.")
class MissedDropCriterion(TypedCode):
    criterion: DropCriterion = strawberry.field(
        description="What to pass in `approveActivity(input: {acceptCriteria: [...]})` to "
        "approve the request anyway."
    )
    code: str = strawberry.field(
        graphql_type=DropErrorCodeEnum,
        description="The code approval fails with unless the criterion is accepted.",
    )
    message: str

    @classmethod
    def from_domain(cls, missed: MissedCriterion) -> MissedDropCriterion:
        return cls(criterion=missed.criterion, code=missed.code, message=missed.message)


@strawberry.type(
    description="An event the portal sent that was recorded but not applied as sent: not "
    "an error, the event is in the window (nothing a family sent is lost). An auto-approved "
    "transfer a rule refuses waits as a PENDING request staff approve or deny; a refused "
    "opt-out is a notification that says so. Read from the entry (`ActivityEntry."
    "notApplied`) and from `recordPortalEvent`'s payload (`notApplied`), the same on a retry."
)
class NotApplied(TypedCode):
    entry_id: strawberry.ID = strawberry.field(
        description="The global id of the entry recorded for it (one of the payload's `entries`)."
    )
    code: str = strawberry.field(
        graphql_type=NotAppliedCode,
        description="Why, stable and machine-readable: a transfer rule's code (an "
        "auto-approved transfer, now a PENDING request) or OPT_OUT_NOT_OFFERED (the family "
        "stays on recurring billing).",
    )
    message: str
    field: list[str] | None = strawberry.field(
        description="Path to the part of the portal's input the rule objected to, from the "
        "mutation's arguments (e.g. input.event.transfer.transferDate)."
    )

    @classmethod
    def from_problem(cls, problem: Problem, *, entry_id: str) -> NotApplied:
        return cls(
            entry_id=strawberry.ID(entry_id),
            code=problem.code,
            message=problem.message,
            field=list(problem.field) or None,
        )
