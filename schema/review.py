"""What an entry tells staff to judge it by: the school's criteria a drop
request misses, and why a portal event was not applied as sent."""

from __future__ import annotations

import strawberry

from domain.errors import Problem
from domain.rules.drops import DropCriterion, MissedCriterion

__all__ = ["DropCriterion", "MissedDropCriterion", "NotApplied"]

strawberry.enum(
    DropCriterion,
    name="DropCriterion",
    description="A criterion of the school for valid drop requests (Settings: the drop notice "
    "period, a required and valid drop reason). Pass the ones a request misses as "
    "`acceptCriteria` to approve it anyway.",
)


@strawberry.type(description="A criterion of the school that a drop request misses.")
class MissedDropCriterion:
    criterion: DropCriterion = strawberry.field(
        description="What to pass in `approveActivity(input: {acceptCriteria: [...]})` to "
        "approve the request anyway."
    )
    code: str = strawberry.field(
        description="NOTICE_PERIOD_NOT_MET, DROP_REASON_REQUIRED or INVALID_DROP_REASON: the "
        "code approval fails with unless the criterion is accepted."
    )
    message: str

    @classmethod
    def from_domain(cls, missed: MissedCriterion) -> MissedDropCriterion:
        return cls(criterion=missed.criterion, code=missed.code.value, message=missed.message)


@strawberry.type(
    description="Why the portal's event could not be applied as sent. It was recorded all "
    "the same (nothing a family sent is lost): an auto-approved transfer a rule refuses "
    "waits as PENDING for staff; a refused opt-out is a notification."
)
class NotApplied:
    code: str = strawberry.field(
        description="e.g. TRANSFER_ALREADY_EXISTS, INVALID_TRANSFER_DATE, "
        "ENROLLMENT_TYPE_LOCKED, OPT_OUT_NOT_OFFERED."
    )
    message: str

    @classmethod
    def from_problem(cls, problem: Problem) -> NotApplied:
        return cls(code=problem.code, message=problem.message)
