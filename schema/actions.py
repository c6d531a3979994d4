"""Staff action mutations: approve, deny, dismiss, review, email, suspend.

Each takes one ``input`` and returns a payload with ``userErrors`` (the whole
request was refused; nothing changed) and, for actions on entries, one result
per item: "each item atomic", so a refused item changes nothing while the
others go through.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import strawberry

from domain import actions as domain_actions
from domain.email import EmailPlan
from domain.errors import Problem
from domain.rules.enrollment_types import EnrollmentType
from models import ActivityEntry
from resolvers import actions as resolvers
from schema.context import Info
from schema.email import SkippedFamily, skipped_families
from schema.entries import Activity, entry_object, entry_ref, entry_refs, global_id
from schema.errors import (
    ActionResultCode,
    ApproveActivityError,
    DenyActivityError,
    EmailFamiliesError,
    MassActionError,
    ReviewOnlineOrderError,
    SuspendFamilyError,
    TypedCode,
    UserError,
)
from schema.kinds.online_order import OrderLine
from schema.people import Family, family_id
from schema.review import DropCriterion
from schema.selected import selects
from schema.window import ActivityFilter, selected_by_filter

E = TypeVar("E", bound=UserError)

ActionOutcome = domain_actions.Outcome
strawberry.enum(ActionOutcome, name="ActionOutcome")
strawberry.enum(EnrollmentType, name="EnrollmentType")

LOCK_TOKEN = "The edit-lock token of your window or widget (see acquireEditLock)."
IDS = f"The checked entries' ids (at most {domain_actions.MAX_IDS}); or pass `all`."
ALL = (
    "Every entry matching this window filter (the check-all box; `{}` for the whole window), "
    f"at most {domain_actions.MAX_SELECTION}."
)
WATERMARK = (
    "Required with `all` (WATERMARK_REQUIRED without it): the `sequence` of the window page "
    "you acted from, or the highest entry `sequence` you have seen. Entries recorded after "
    "it are never touched by an `all` selection. Not used with `ids`."
)


@strawberry.type(description="What happened to one selected entry.")
class ActionResult(TypedCode):
    id: strawberry.ID = strawberry.field(description="The entry's id, as given or as selected.")
    outcome: ActionOutcome
    code: str | None = strawberry.field(
        graphql_type=ActionResultCode | None,
        description="Why it was skipped or failed; null when it succeeded.",
    )
    message: str | None
    entry: Activity | None = strawberry.field(
        description="The entry as it is now; null when not found."
    )

    @classmethod
    def from_item(cls, item: domain_actions.ItemResult) -> ActionResult:
        entry = item.entry
        raw = item.ref if item.ref is not None else (global_id(entry) if entry else "")
        return cls(
            id=strawberry.ID(raw),
            outcome=item.outcome,
            code=item.code,
            message=item.message,
            # Facts only when the client did not select the entry (see _run_mass).
            entry=entry_object(entry)
            if isinstance(entry, ActivityEntry) and item.code is not domain_actions.Code.NOT_FOUND
            else None,
        )


def _errors(kind: type[E], problems: list[Problem]) -> list[E]:
    return [kind.from_problem(p) for p in problems]


def _item_errors(kind: type[E], item: domain_actions.ItemResult, fields: set[str]) -> list[E]:
    """A single action's failure, also as a userError on the input field at fault."""
    if item.succeeded or item.code is None:
        return []
    named = item.field[0] if item.field and item.field[0] in fields else "id"
    return [kind(code=item.code, message=item.message or item.code, field=["input", named])]


@strawberry.input
class MassSelectionInput:
    """The fields of every mass action: which entries, and the lock."""

    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=IDS)
    all_: ActivityFilter | None = strawberry.field(default=None, name="all", description=ALL)
    watermark: int | None = strawberry.field(default=None, description=WATERMARK)
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


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


@strawberry.input
class DenyActivityInput:
    id: strawberry.ID
    expected_version: int | None = None
    reason: str | None = strawberry.field(default=None, description="Kept in the audit log.")
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.input
class ReviewOnlineOrderInput:
    id: strawberry.ID
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.input
class EmailFamiliesInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description=IDS)
    all_: ActivityFilter | None = strawberry.field(default=None, name="all", description=ALL)
    watermark: int | None = strawberry.field(default=None, description=WATERMARK)
    subject: str
    body: str = strawberry.field(
        description="Email variables (see `emailVariables`): {{family_name}}, "
        "{{student_names}}, {{location}}, {{organisation_name}} (also in the subject). "
        "`emailPreview` shows who it reaches, sending nothing."
    )
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.input(description="The family, or the entry (e.g. a deletion request) naming it.")
class SuspendFamilyInput:
    family_id: strawberry.ID | None = None
    entry_id: strawberry.ID | None = None
    note: str | None = strawberry.field(
        default=None,
        description="Why; optional when suspending from a deletion request, whose note says so.",
    )
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.type
class BulkResults:
    """The per-item results of a mass action, built only when the client
    selects ``results`` (a mass action over thousands of entries that asks
    for counts alone pays for no per-item objects)."""

    items: strawberry.Private[list[domain_actions.ItemResult]]

    @strawberry.field
    def results(self) -> list[ActionResult]:
        return [ActionResult.from_item(item) for item in self.items]


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


@strawberry.type
class ReviewedOrder:
    lines: list[OrderLine]
    total: Decimal
    pulled_at: datetime | None = strawberry.field(
        description="When the items were pulled from available stock."
    )
    pulled_now: bool = strawberry.field(description="False when an earlier review pulled them.")


@strawberry.type
class ReviewOnlineOrderPayload:
    order: ReviewedOrder | None
    entry: Activity | None
    user_errors: list[ReviewOnlineOrderError]


@strawberry.type
class EmailFamiliesPayload:
    families_selected: int = strawberry.field(
        description="Distinct families of the selected entries."
    )
    sent: int
    skipped: int
    skipped_families: list[SkippedFamily]
    user_errors: list[EmailFamiliesError]


@strawberry.type
class SuspendFamilyPayload:
    family: Family | None
    user_errors: list[SuspendFamilyError]


async def _run_mass(
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
        return [], 0, _errors(MassActionError, done.problems)
    succeeded = done.value.count(domain_actions.Outcome.APPROVED, domain_actions.Outcome.DISMISSED)
    return done.value.results, succeeded, _errors(MassActionError, done.problems)


def _single(
    kind: type[E], done: resolvers.Done[domain_actions.ActionReport], fields: set[str]
) -> dict[str, Any]:
    if done.value is None:
        return {"result": None, "user_errors": _errors(kind, done.problems)}
    [item] = done.value.results
    return {
        "result": ActionResult.from_item(item),
        "user_errors": _item_errors(kind, item, fields),
    }


def _email_payload(done: resolvers.Done[EmailPlan]) -> EmailFamiliesPayload:
    plan = done.value
    if plan is None:
        return EmailFamiliesPayload(
            families_selected=0,
            sent=0,
            skipped=0,
            skipped_families=[],
            user_errors=_errors(EmailFamiliesError, done.problems),
        )
    return EmailFamiliesPayload(
        families_selected=plan.selected,
        sent=plan.sent,
        skipped=len(plan.skipped),
        skipped_families=skipped_families(plan),
        user_errors=[],
    )


@strawberry.type
class ActionMutations:
    @strawberry.mutation(
        description="Mass approve: the checked entries, or all matching a filter. Enrollment "
        "requests take seats oldest first and never overbook; a drop request that misses a "
        "criterion of the school fails with its code, to be reviewed on its own."
    )
    async def approve_activities(
        self, info: Info, input: ApproveActivitiesInput
    ) -> ApproveActivitiesPayload:
        results, count, errors = await _run_mass(info, input, domain_actions.approve_activities)
        return ApproveActivitiesPayload(items=results, approved_count=count, user_errors=errors)

    @strawberry.mutation(description="Approve one request, with the options review needs.")
    async def approve_activity(
        self, info: Info, input: ApproveActivityInput
    ) -> ApproveActivityPayload:
        options = domain_actions.ApproveOptions(
            expected_version=input.expected_version,
            previous_class_drop_date=input.previous_class_drop_date,
            enrollment_type=None
            if input.enrollment_type is None
            else EnrollmentType(input.enrollment_type),
            overbook=input.overbook,
            accept_criteria=frozenset(DropCriterion(c) for c in input.accept_criteria),
        )
        done = await resolvers.approve_activity(
            info.context, ref=entry_ref(str(input.id)), options=options, lock_token=input.lock_token
        )
        return ApproveActivityPayload(
            **_single(
                ApproveActivityError,
                done,
                {"expectedVersion", "previousClassDropDate", "enrollmentType", "acceptCriteria"},
            )
        )

    @strawberry.mutation(description="Deny one request (there is no mass deny).")
    async def deny_activity(self, info: Info, input: DenyActivityInput) -> DenyActivityPayload:
        done = await resolvers.deny_activity(
            info.context,
            ref=entry_ref(str(input.id)),
            expected_version=input.expected_version,
            reason=input.reason,
            lock_token=input.lock_token,
        )
        return DenyActivityPayload(**_single(DenyActivityError, done, {"expectedVersion"}))

    @strawberry.mutation(
        description="Mass dismiss notifications. Checked requests fail MUST_APPROVE_OR_DENY; "
        "with `all`, requests are skipped. Online orders need a review first."
    )
    async def dismiss_activities(
        self, info: Info, input: DismissActivitiesInput
    ) -> DismissActivitiesPayload:
        results, count, errors = await _run_mass(info, input, domain_actions.dismiss_activities)
        return DismissActivitiesPayload(items=results, dismissed_count=count, user_errors=errors)

    @strawberry.mutation(
        description="The magnifying glass: show an online order and pull its items from "
        "available stock; the entry can then be dismissed."
    )
    async def review_online_order(
        self, info: Info, input: ReviewOnlineOrderInput
    ) -> ReviewOnlineOrderPayload:
        done = await resolvers.review_online_order(
            info.context, ref=entry_ref(str(input.id)), lock_token=input.lock_token
        )
        review = done.value
        if review is None:
            return ReviewOnlineOrderPayload(
                order=None, entry=None, user_errors=_errors(ReviewOnlineOrderError, done.problems)
            )
        order = ReviewedOrder(
            lines=[
                OrderLine(
                    product_name=line.product_name,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
                for line in review.lines
            ],
            total=review.order.total,
            pulled_at=review.order.pulled_at,
            pulled_now=review.pulled_now,
        )
        return ReviewOnlineOrderPayload(
            order=order, entry=entry_object(review.entry), user_errors=[]
        )

    @strawberry.mutation(
        description="Email the families of the selected entries: one email per family, "
        "honouring email-blast opt-outs."
    )
    async def email_families(self, info: Info, input: EmailFamiliesInput) -> EmailFamiliesPayload:
        done = await resolvers.email_families(
            info.context,
            ids=entry_refs(input.ids),
            everything=selected_by_filter(input.all_),
            watermark=input.watermark,
            subject=input.subject,
            body=input.body,
            lock_token=input.lock_token,
        )
        return _email_payload(done)

    @strawberry.mutation(
        description="Suspend a family with a dated note (the spec's handling of an account "
        "deletion request: no account is ever deleted)."
    )
    async def suspend_family(self, info: Info, input: SuspendFamilyInput) -> SuspendFamilyPayload:
        done = await resolvers.suspend_family(
            info.context,
            family=None if input.family_id is None else partial(family_id, input.family_id),
            entry=None if input.entry_id is None else entry_ref(str(input.entry_id)),
            note=input.note,
            lock_token=input.lock_token,
        )
        family = None if done.value is None else Family.from_row(done.value)
        return SuspendFamilyPayload(
            family=family, user_errors=_errors(SuspendFamilyError, done.problems)
        )
