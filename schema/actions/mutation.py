"""The staff action mutations, each one unit of work through ``resolvers.actions``."""

from __future__ import annotations

from functools import partial

import strawberry

from domain import actions as domain_actions
from resolvers import actions as resolvers
from schema.actions.decisions import (
    ApproveActivitiesInput,
    ApproveActivitiesPayload,
    ApproveActivityInput,
    ApproveActivityPayload,
    DenyActivityInput,
    DenyActivityPayload,
    DismissActivitiesInput,
    DismissActivitiesPayload,
    run_mass,
)
from schema.actions.family_email import EmailFamiliesInput, EmailFamiliesPayload, email_payload
from schema.actions.order_review import (
    ReviewOnlineOrderInput,
    ReviewOnlineOrderPayload,
)
from schema.actions.results import single_result, user_errors
from schema.actions.suspension import SuspendFamilyInput, SuspendFamilyPayload
from schema.context import Info
from schema.entries import entry_ref, entry_refs
from schema.errors import ApproveActivityError, DenyActivityError, SuspendFamilyError
from schema.people import Family, family_id
from schema.window import selected_by_filter


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
        results, count, errors = await run_mass(info, input, domain_actions.approve_activities)
        return ApproveActivitiesPayload(items=results, approved_count=count, user_errors=errors)

    @strawberry.mutation(description="Approve one request, with the options review needs.")
    async def approve_activity(
        self, info: Info, input: ApproveActivityInput
    ) -> ApproveActivityPayload:
        done = await resolvers.approve_activity(
            info.context,
            ref=entry_ref(str(input.id)),
            options=input.to_options(),
            lock_token=input.lock_token,
        )
        return ApproveActivityPayload(
            **single_result(
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
        return DenyActivityPayload(**single_result(DenyActivityError, done, {"expectedVersion"}))

    @strawberry.mutation(
        description="Mass dismiss notifications. Checked requests fail MUST_APPROVE_OR_DENY; "
        "with `all`, requests are skipped. Online orders need a review first."
    )
    async def dismiss_activities(
        self, info: Info, input: DismissActivitiesInput
    ) -> DismissActivitiesPayload:
        results, count, errors = await run_mass(info, input, domain_actions.dismiss_activities)
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
        return ReviewOnlineOrderPayload.from_done(done)

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
        return email_payload(done)

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
            family=family, user_errors=user_errors(SuspendFamilyError, done.problems)
        )
