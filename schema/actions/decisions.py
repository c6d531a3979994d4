"""Deciding entries: approve (one, or in bulk), deny one, dismiss in bulk."""

from __future__ import annotations

from datetime import date

import strawberry

from domain import actions as domain_actions
from domain.rules.enrollment_types import EnrollmentType
from resolvers import actions as resolvers
from schema.actions.results import ActionResult, BulkResults, user_errors
from schema.actions.selection import LOCK_TOKEN, MassSelectionInput
from schema.context import Info
from schema.entries import entry_refs
from schema.errors import ApproveActivityError, DenyActivityError, MassActionError
from schema.review import DropCriterion
from schema.selected import selects
from schema.window import selected_by_filter

strawberry.enum(EnrollmentType, name="EnrollmentType")


@strawberry.input
class ApproveActivitiesInput(MassSelectionInput):
    pass


@strawberry.input
class DismissActivitiesInput(MassSelectionInput):
    pass


@strawberry.input
class ApproveActivityInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.field(
        default=None, description="The entry's version you reviewed; refused if it changed."
    )
    previous_class_drop_date: date | None = strawberry.field(
        default=None,
        description='Transfers: "Drop Date For Previous Class" (default: the day before the '
        "transfer date, or the original's earlier drop date).",
    )
    enrollment_type: EnrollmentType | None = strawberry.field(
        default=None, description="Transfers: the new enrollment's type (not for makeups)."
    )
    overbook: bool = strawberry.field(
        default=False, description="Approve even though the class is full."
    )
    accept_criteria: list[DropCriterion] = strawberry.field(
        default_factory=list,
        description="Drops: the school's criteria you accept this request misses (its "
        "`missedCriteria`), e.g. [NOTICE_PERIOD, DROP_REASON]; recorded in the audit log. "
        "Without one a request missing it fails with the criterion's code "
        "(NOTICE_PERIOD_NOT_MET, DROP_REASON_REQUIRED, INVALID_DROP_REASON) and nothing "
        "changes. Mass approve accepts none.",
    )
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)

    def to_options(self) -> domain_actions.ApproveOptions:
        return domain_actions.ApproveOptions(
            expected_version=self.expected_version,
            previous_class_drop_date=self.previous_class_drop_date,
            enrollment_type=None
            if self.enrollment_type is None
            else EnrollmentType(self.enrollment_type),
            overbook=self.overbook,
            accept_criteria=frozenset(DropCriterion(c) for c in self.accept_criteria),
        )


@strawberry.input
class DenyActivityInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = strawberry.field(default=None, description="Kept in the audit log.")
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.type
class ApproveActivitiesPayload(BulkResults):
    approved_count: int
    user_errors: list[MassActionError]


@strawberry.type
class DismissActivitiesPayload(BulkResults):
    dismissed_count: int
    user_errors: list[MassActionError]


@strawberry.type
class ApproveActivityPayload:
    result: ActionResult | None
    user_errors: list[ApproveActivityError]


@strawberry.type
class DenyActivityPayload:
    result: ActionResult | None
    user_errors: list[DenyActivityError]


async def run_mass(
    info: Info, input: MassSelectionInput, apply: resolvers.MassAction
) -> tuple[list[domain_actions.ItemResult], int, list[MassActionError]]:
    """Per-item results, how many succeeded, and the request's userErrors."""
    done = await resolvers.mass_action(
        info.context,
        apply,
        ids=entry_refs(input.ids),
        everything=selected_by_filter(input.all_),
        watermark=input.watermark,
        lock_token=input.lock_token,
        with_entries=selects(info, "results", "entry"),
    )
    if done.value is None:
        return [], 0, user_errors(MassActionError, done.problems)
    succeeded = done.value.count(domain_actions.Outcome.APPROVED, domain_actions.Outcome.DISMISSED)
    return done.value.results, succeeded, user_errors(MassActionError, done.problems)
