"""Live updates: the Subscription root and the edit-lock mutations.

Subscriptions speak graphql-transport-ws only, authenticated once in
``connection_init``. Each one reads the database in short sessions per
event (``subscriptions/``): the websocket's context outlives any session.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Hashable
from datetime import datetime
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry import relay

from domain import lock as domain_lock
from domain import window as domain_window
from domain.errors import InvalidRequest
from domain.journal import ChangeKind, WindowChange
from domain.process_caches import ProcessCache, Same
from domain.viewer import Viewer
from domain.vocabulary import ActivityType as DomainActivityType
from domain.vocabulary import WindowStatus as DomainWindowStatus
from domain.window_filter import WindowFilter
from models import ActivityEntry as EntryRow
from models.db import Database
from resolvers import live as live_resolvers
from schema.activity import ActivityType, WindowStatus
from schema.context import Context, Info
from schema.entries import OBJECT_FOR_TYPE, Activity, entry_object
from schema.errors import EditLockError
from schema.execution import SharedEventExecutionContext, subscription_executor
from schema.loaders import Loaders
from schema.settings import Organisation
from schema.window import ActivityBadge, ActivityFilter, window_filter
from subscriptions.activity import ActivityEvent as FeedEvent
from subscriptions.activity import activity_events, resumed_events
from subscriptions.badge import badge_updates
from subscriptions.direct import FRAME_SINK, RESUMED, DirectDelivery, Render
from subscriptions.lock_state import lock_states
from subscriptions.organisation import settings_updates

Surface = domain_lock.Surface
strawberry.enum(Surface, name="EditSurface")
strawberry.enum(ChangeKind, name="ActivityChangeKind")


@strawberry.type(description="One change to the window, in the organisation's sequence.")
class ActivityEvent:
    sequence: int = strawberry.field(
        description="The organisation's sequence number: pass the last one seen as "
        "`afterSequence` when resubscribing, and nothing is missed or repeated."
    )
    change: ChangeKind
    reason: str = strawberry.field(
        description="RECORDED, APPROVED, DENIED, DISMISSED, REVIEWED, EXPIRED, SUPERSEDED, "
        "SETTINGS_CHANGED (a CHANGED entry that reads differently under the organisation's new "
        "settings: a drop's notice period, request day or missed criteria)..."
    )
    entry_id: strawberry.ID = strawberry.field(description="The entry's global id.")
    type: ActivityType
    status: WindowStatus
    at: datetime
    entry: Activity | None = strawberry.field(
        description="The entry as it is now while it is in the window; null once it has left "
        "it (the change's reason says how) or no longer exists (a denied enrollment request)."
    )
    # The event's identity for ``schema.execution``: subscribers that see the
    # same change with the same loaded entry (one shared read) share one
    # execution per selection and viewer scope.
    shared_key: strawberry.Private[Hashable | None] = None

    @classmethod
    def from_feed(cls, event: FeedEvent, database: Database) -> ActivityEvent:
        """The event object for a change and its loaded entry: built once per
        process and shared by the subscribers that receive it (read-only)."""
        key = (Same(database), event.change, Same(event.entry))
        return _shared_events.get(key, partial(cls._build, event, database))

    @classmethod
    def _build(cls, event: FeedEvent, database: Database) -> ActivityEvent:
        change = event.change
        activity_type = DomainActivityType(change.type)
        return cls(
            shared_key=(
                "activityEvents",
                Same(database),
                change.organisation_id,
                change.sequence,
                Same(event.entry),
            ),
            sequence=change.sequence,
            change=change.change,
            reason=change.reason,
            entry_id=strawberry.ID(
                str(relay.GlobalID(OBJECT_FOR_TYPE[activity_type].__name__, str(change.entry_id)))
            ),
            type=activity_type,
            status=DomainWindowStatus(change.status),
            at=change.at,
            entry=None if event.entry is None else entry_object(event.entry),
        )


SHARED_EVENTS_KEPT = 256
_shared_events: ProcessCache[Hashable, ActivityEvent] = ProcessCache(SHARED_EVENTS_KEPT)


@strawberry.type(description="Who holds a staff member's edit lock, from where, until when.")
class EditLockState:
    held: bool
    surface: Surface | None = strawberry.field(description="The surface holding it, if held.")
    expires_at: datetime | None
    yours: bool = strawberry.field(description="Held by the lease whose token you passed.")
    holder_name: str

    @classmethod
    def from_state(cls, state: domain_lock.LockState, token: str | None) -> EditLockState:
        return cls(
            held=state.held,
            surface=state.surface,
            expires_at=state.expires_at,
            yours=state.is_held_by(token),
            holder_name=state.holder_name,
        )


@strawberry.type(description="Your lease on the edit lock: renew it before it expires.")
class EditLease:
    token: str = strawberry.field(description="Pass as `lockToken` to every action.")
    surface: Surface
    expires_at: datetime

    @classmethod
    def from_lease(cls, lease: domain_lock.Lease) -> EditLease:
        return cls(token=lease.token, surface=lease.surface, expires_at=lease.expires_at)


@strawberry.input
class AcquireEditLockInput:
    surface: Surface
    take_over: bool = strawberry.field(
        default=False, description="End the other surface's lease at once (it is told live)."
    )


@strawberry.type
class AcquireEditLockPayload:
    lease: EditLease | None
    held_by: EditLockState | None = strawberry.field(description="Set when LOCK_HELD.")
    user_errors: list[EditLockError]


@strawberry.input
class EditLockTokenInput:
    token: str


@strawberry.type
class RenewEditLockPayload:
    lease: EditLease | None
    user_errors: list[EditLockError]


@strawberry.type
class ReleaseEditLockPayload:
    released: bool = strawberry.field(description="False if the lease had already ended.")
    user_errors: list[EditLockError]


def _context(info: Info) -> Context:
    return info.context


@strawberry.type
class LockMutations:
    @strawberry.mutation(
        description="Open the window or the widget for editing: 'only the window or the "
        "widget is accessible at any given time, and not both'."
    )
    async def acquire_edit_lock(
        self, info: Info, input: AcquireEditLockInput
    ) -> AcquireEditLockPayload:
        context = _context(info)
        result = await live_resolvers.acquire_edit_lock(
            context, Surface(input.surface), input.take_over
        )
        if isinstance(result, InvalidRequest):
            held = await live_resolvers.current_lock(context)
            return AcquireEditLockPayload(
                lease=None,
                held_by=EditLockState.from_state(held, None) if held.held else None,
                user_errors=[EditLockError.from_problem(p) for p in result.problems],
            )
        return AcquireEditLockPayload(
            lease=EditLease.from_lease(result), held_by=None, user_errors=[]
        )

    @strawberry.mutation(description="The heartbeat: extend your lease.")
    async def renew_edit_lock(self, info: Info, input: EditLockTokenInput) -> RenewEditLockPayload:
        result = await live_resolvers.renew_edit_lock(_context(info), input.token)
        if isinstance(result, InvalidRequest):
            return RenewEditLockPayload(
                lease=None, user_errors=[EditLockError.from_problem(p) for p in result.problems]
            )
        return RenewEditLockPayload(lease=EditLease.from_lease(result), user_errors=[])

    @strawberry.mutation(description="Close the window or widget: end your lease.")
    async def release_edit_lock(
        self, info: Info, input: EditLockTokenInput
    ) -> ReleaseEditLockPayload:
        released = await live_resolvers.release_edit_lock(_context(info), input.token)
        return ReleaseEditLockPayload(released=released, user_errors=[])


SHARED_LOADERS_KEPT = 64
_shared_loaders: ProcessCache[tuple[Database, int, int], Loaders] = ProcessCache(
    SHARED_LOADERS_KEPT
)


def shared_loaders(database: Database, organisation_id: int, sequence: int) -> Loaders:
    """The DataLoaders for one event, shared by every subscriber of the
    organisation on this process: an event's location, family and student
    are read once, not once per subscriber. The loaders are scoped to the
    organisation like a request's, and live for the last few events only."""
    return _shared_loaders.get(
        (database, organisation_id, sequence), partial(Loaders, database, organisation_id)
    )


def _refused(problem: InvalidRequest) -> GraphQLError:
    first = problem.problems[0]
    return GraphQLError(str(problem), extensions={"code": first.code, "field": list(first.field)})


async def _render(
    executor: SharedEventExecutionContext,
    context: Context,
    change: WindowChange,
    entry: EntryRow | None,
) -> str | None:
    """One event's data under a group's selection (``subscriptions.direct``),
    executed as the ordinary path does: the same loaders, event object and
    shared execution."""
    database = context.services.database
    context._loaders = shared_loaders(database, change.organisation_id, change.sequence)
    return await executor.shared_text(ActivityEvent.from_feed(FeedEvent(change, entry), database))


def _direct_delivery(context: Context, organisation_id: int) -> DirectDelivery | None:
    """Direct delivery for this operation when its socket offers a sink and
    its execution is shared: its group is the organisation and the selection
    key, which holds what makes payloads differ (document, variables, the
    viewer's permissions and locations: ``schema.execution.viewer_scope``)."""
    sink = FRAME_SINK.get()
    executor = subscription_executor()
    if sink is None or executor is None:
        return None
    selection = executor.selection_key()
    if selection is None:
        return None
    key = ("activityEvents", Same(context.services.database), organisation_id, selection)
    return DirectDelivery(key, sink, partial(_group_render, executor))


def _group_render(executor: SharedEventExecutionContext) -> Render:
    """A direct group's renders, from its first member's execution, detached
    from that member's socket (the group outlives any one member)."""
    detached = executor.detached()
    context = detached.context_value
    assert isinstance(context, Context)
    return partial(_render, detached, context)


async def _checked_filter(
    context: Context, viewer: Viewer, filter: ActivityFilter | None
) -> WindowFilter:
    """``activityEvents``'s filter, refused as a GraphQL error when invalid
    or naming a location the viewer may not see."""
    try:
        parsed = window_filter(filter)
        parsed.validate()
        if parsed.location_id is not None:
            async with context.services.database.read() as session:
                in_scope = await domain_window.location_in_scope(
                    session, viewer, parsed.location_id
                )
            if not in_scope:
                raise domain_window.location_not_found()
    except InvalidRequest as refused:
        raise _refused(refused) from None
    return parsed


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Entries added, changed and removed in your window, optionally filtered "
        "like the window. With `afterSequence`, what you missed is replayed first; a "
        "sequence older than the 90 days of kept changes ends the subscription with "
        "RESYNC_REQUIRED (reload the window and use its `sequence`)."
    )
    async def activity_events(
        self,
        info: Info,
        filter: ActivityFilter | None = None,
        after_sequence: int | None = None,
    ) -> AsyncGenerator[ActivityEvent, None]:
        context = _context(info)
        viewer = context.require_viewer()
        direct = _direct_delivery(context, viewer.organisation_id)
        resumed = RESUMED.get()
        if resumed is None:
            feed = activity_events(
                context.services.database,
                context.services.require_broadcaster(),
                viewer,
                await _checked_filter(context, viewer, filter),
                after_sequence,
                direct,
            )
        else:
            # A parked subscription released (``subscriptions.direct``): its
            # feed goes on from its cursor. Its arguments were checked when it
            # started; rights narrowed since end the operation instead.
            RESUMED.set(None)
            feed = resumed_events(resumed, direct)
        database = context.services.database
        try:
            async for event in feed:
                # Fresh DataLoaders per event (the socket is long-lived), shared by its
                # subscribers.
                context._loaders = shared_loaders(
                    database, viewer.organisation_id, event.change.sequence
                )
                yield ActivityEvent.from_feed(event, database)
        except InvalidRequest as refused:
            raise _refused(refused) from None

    @strawberry.subscription(
        description="The badge now, then after every change (one push per action)."
    )
    async def activity_badge(self, info: Info) -> AsyncGenerator[ActivityBadge, None]:
        context = _context(info)
        viewer = context.require_viewer()
        async for badge in badge_updates(
            context.services.database,
            context.services.require_broadcaster(),
            context.services.badges,
            viewer,
            context.now,
        ):
            yield ActivityBadge(waiting=badge.waiting, pending=badge.pending)

    @strawberry.subscription(
        description="Your organisation now (as `me { organisation }`), then after every "
        "change of its settings that changes what it shows (its time zone, which instants "
        "are shown in). `today` is as of each push. What entries show that the settings "
        "decide comes on `activityEvents` (CHANGED, reason SETTINGS_CHANGED)."
    )
    async def organisation(self, info: Info) -> AsyncGenerator[Organisation, None]:
        context = _context(info)
        viewer = context.require_staff()
        shown: tuple[str, str] | None = None
        async for settings in settings_updates(
            context.services.database,
            context.services.require_broadcaster(),
            viewer.organisation_id,
        ):
            key = (settings.name, settings.time_zone)
            if key != shown:
                shown = key
                yield Organisation(settings=settings)

    @strawberry.subscription(
        description="Your edit lock now and on every change. Pass your lease token: when "
        "this subscription ends (the tab closes, the connection drops) the lease is released."
    )
    async def edit_lock_state(
        self, info: Info, token: str | None = None
    ) -> AsyncGenerator[EditLockState, None]:
        context = _context(info)
        viewer = context.require_viewer()
        async for state in lock_states(
            context.services.database,
            context.services.require_broadcaster(),
            viewer,
            token,
            context.services.publish_lock,
        ):
            yield EditLockState.from_state(state, token)
