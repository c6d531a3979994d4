"""The root Query."""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry import relay

from domain import window as domain_window
from domain.errors import InvalidRequest
from domain.vocabulary import PermissionLevel as DomainPermissionLevel
from domain.vocabulary import Task as DomainTask
from resolvers import actions as action_resolvers
from resolvers import audit as audit_resolvers
from resolvers import locations as location_resolvers
from resolvers import window as window_resolvers
from schema.activity import ActivityEntry, ActivityKind, activity_kinds
from schema.audit import AuditConnection, AuditFilter, AuditLogResult, audit_filter
from schema.context import Info
from schema.email import (
    EmailPreview,
    EmailPreviewInput,
    EmailPreviewResult,
    EmailVariable,
    email_variables,
)
from schema.entries import TYPE_FOR_OBJECT_NAME, entry_object, entry_refs
from schema.errors import InvalidArguments
from schema.people import Location
from schema.settings import Organisation, SettingsQueries
from schema.window import (
    DATABASE_ID,
    ActivityBadge,
    ActivityConnection,
    ActivityCount,
    ActivityFilter,
    ActivityOrder,
    OnlineActivityResult,
    selected_by_filter,
    window_filter,
)

# The domain's enums are the schema's: registered once, used as annotations.
Task = DomainTask
PermissionLevel = DomainPermissionLevel
strawberry.enum(Task, name="Task")
strawberry.enum(PermissionLevel, name="PermissionLevel")


@strawberry.type
class TaskPermission:
    task: Task
    level: PermissionLevel


@strawberry.type(description="The signed-in staff member.")
class Me:
    name: str
    organisation_id: strawberry.ID
    permissions: list[TaskPermission]
    all_locations: bool
    location_ids: list[strawberry.ID]

    @strawberry.field(description="Your organisation, with the time zone its dates are in.")
    async def organisation(self, info: Info) -> Organisation:
        return Organisation(settings=await info.context.loaders.settings())

    @strawberry.field(
        description="The locations you may see, by name: the window's location filter "
        "offers these (all of the organisation's when allLocations is true)."
    )
    async def locations(self, info: Info) -> list[Location]:
        rows = await location_resolvers.my_locations(info.context)
        return [Location.from_row(row) for row in rows]


@strawberry.type
class Query(SettingsQueries):
    @strawberry.field(
        description="The Online Activity window: oldest first, 10 per page by default, "
        "entries of the last 90 days that are still waiting."
    )
    async def online_activity(
        self,
        info: Info,
        filter: ActivityFilter | None = None,
        order: ActivityOrder = domain_window.SortOrder.OLDEST_FIRST,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> OnlineActivityResult:
        result = await window_resolvers.online_activity(
            info.context.reading_for(info),
            partial(window_filter, filter),
            domain_window.SortOrder(order),
            first,
            after,
            last,
            before,
        )
        if isinstance(result, InvalidRequest):
            return InvalidArguments.from_problems(result.problems)
        return ActivityConnection.from_query(result, info.context.loaders)

    @strawberry.field(description="The badge: how many entries wait, and how many are pending.")
    async def activity_badge(self, info: Info) -> ActivityBadge:
        badge = await window_resolvers.activity_badge(info.context.reading_for(info))
        return ActivityBadge(waiting=badge.waiting, pending=badge.pending)

    @strawberry.field(description="Open entries per type and status, for dashboard list widgets.")
    async def activity_counts(self, info: Info) -> list[ActivityCount]:
        counts = await window_resolvers.activity_counts(info.context.reading_for(info))
        return [ActivityCount(type=c.type, status=c.status, count=c.count) for c in counts]

    @strawberry.field(
        description="The audit log: every decision on the window (approve, deny, dismiss, "
        "review, expiry, email, suspension), newest first, kept for two years."
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> AuditLogResult:
        page = await audit_resolvers.audit_log(
            info.context, partial(audit_filter, filter), first, after
        )
        if isinstance(page, InvalidRequest):
            return InvalidArguments.from_problems(page.problems)
        return AuditConnection.from_page(page, had_cursor=after is not None)

    @strawberry.field(
        description="An entry of the window by its global id, if the viewer may see it; null "
        "once it has left the window (processed entries are read in `auditLog`)."
    )
    async def node(self, info: Info, id: relay.GlobalID) -> ActivityEntry | None:
        row = await window_resolvers.node(
            info.context.reading_for(info),
            int(id.node_id) if DATABASE_ID.fullmatch(id.node_id) else None,
            TYPE_FOR_OBJECT_NAME.get(id.type_name),
        )
        result: ActivityEntry | None = None if row is None else entry_object(row)
        return result

    @strawberry.field(
        description="What `emailFamilies` with this input would do, sending nothing: the "
        "families selected, who receives the email, who is skipped and why, and the email "
        "rendered for one family. Needs the rights the email does."
    )
    async def email_preview(self, info: Info, input: EmailPreviewInput) -> EmailPreviewResult:
        done = await action_resolvers.email_preview(
            info.context.reading_for(info),
            ids=entry_refs(input.ids),
            everything=selected_by_filter(input.all_),
            watermark=input.watermark,
            subject=input.subject,
            body=input.body,
        )
        if done.value is None:
            return InvalidArguments.from_problems(done.problems)
        return EmailPreview.from_plan(done.value)

    @strawberry.field(description='The "Email Variables help box": what a subject or body may use.')
    def email_variables(self, info: Info) -> list[EmailVariable]:
        info.context.require_viewer()
        return email_variables()

    @strawberry.field(
        description="The activity types, in the window's order, with the label the window "
        "shows for each: what a client names types by (a type filter offers these)."
    )
    def activity_types(self, info: Info) -> list[ActivityKind]:
        info.context.require_viewer()
        return activity_kinds()

    @strawberry.field
    def me(self, info: Info) -> Me:
        viewer = info.context.require_viewer()
        return Me(
            name=viewer.name,
            organisation_id=strawberry.ID(str(viewer.organisation_id)),
            permissions=[
                TaskPermission(task=task, level=viewer.level(task)) for task in DomainTask
            ],
            all_locations=viewer.location_ids is None,
            location_ids=[
                strawberry.ID(str(relay.to_base64("Location", i)))
                for i in sorted(viewer.location_ids or ())
            ],
        )
