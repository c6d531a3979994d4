"""Direct delivery: one task per organisation and selection writes each live
event to every caught-up subscriber, as ``websockets.broadcast`` does.

Issue 12: "fan-out >= 0.5x raw websockets.broadcast frames/s per core". A
raw broadcast writes one pre-encoded frame per socket from one loop; ours
woke every subscriber's task for every event, which then awaited the shared
entry read and the shared execution and sent its frame through strawberry's
per-operation stream, starlette and our middleware: ~420 Python calls per
delivered frame (``python -m bench.fanout_calls``), most of them per
subscriber for the same work.

So a subscriber whose feed is caught up (``subscriptions.activity``: its
inbox is drained) hands over: it joins its ``DirectGroup`` with its cursor
and its open subscription, and its generator ends. strawberry's operation
stays registered on its socket with no task, no generator chain and no
execution in flight (issue 12: "memory per idle subscriber <= 25 KiB";
those held ~15 KiB per socket for hours): what is left of it is its
operation, its sink, the member record, the feed and the subscription. The
broadcaster's fan-out decides per subscriber at dispatch time,
synchronously (``Subscription._deliver``): a parked subscriber's message
goes to its group with it, any other's to its inbox. A subscriber is
therefore served by exactly one path at any moment.

The group's task takes each message once: the hole check and the filter per
subscriber, the entries read once (``SharedEntries``), the event rendered
once (the shared execution's JSON text, ``Render``), then one synchronous
loop writes the frame to every subscriber it matches (``FrameSink``) and
moves each one's cursor past the message. Nothing is queued for a
subscriber: when its socket does not take the frame at once (paused for a
client that does not read, closing, its operation ended) or the message
leaves a hole, it is released: its sink runs its operation again, whose
``activityEvents`` resolver follows the same feed and subscription from its
cursor (``RESUMED``): a replay from the database, then its inbox (the
overflow-then-replay guarantee: no gap, no duplicate). A parked operation
that ends (the client's ``complete``, the socket closing, its rights
narrowed) leaves its group and closes its subscription (``Member.end``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from domain.journal import WindowChange
from domain.live_filter import change_matches
from domain.window_filter import WindowMatch
from models.db import Database
from subscriptions.channels import parse_changes
from subscriptions.pacing import delivery_slot, turn

if TYPE_CHECKING:
    from models import ActivityEntry
    from subscriptions.broadcast import Subscription

logger = logging.getLogger(__name__)

# Messages a group may hold undelivered, like a subscriber's bounded inbox
# (``Broadcaster(queue_size=...)``); past it its members go back to their own path.
PENDING_BOUND: Final = 1000

# Where the websocket layer puts an operation's frame sink, in the context of
# that operation's task (``service.app``); None (HTTP, tests driving the
# schema directly): no direct delivery, the ordinary path only.
FRAME_SINK: Final[contextvars.ContextVar[FrameSink | None]] = contextvars.ContextVar(
    "online_activity_frame_sink", default=None
)


class FrameSink(Protocol):
    """One operation's way to its client's socket, for one run of it."""

    # Once this run's feed parked: the run ends, the operation goes on.
    has_parked: bool
    # The operation's telemetry record, carried across its runs (``schema.telemetry``).
    telemetry: object | None

    def write(self, data_text: str, frames: dict[str, bytes]) -> bool:
        """Write ``{"id":..,"type":"next","payload":{"data":<data_text>}}`` now;
        False, and nothing written, when the socket cannot take it at once.
        ``frames`` is the sinks' to share encoded frames of this one text."""

    def parked(self, member: Member) -> None:
        """The operation's generator ends now without ending the operation:
        its subscription goes on as ``member`` until released or ended."""

    def resume(self, member: Member, replay: bool) -> None:
        """``member`` was released: run the operation again, following its
        feed from its cursor (``RESUMED``), after a replay when ``replay``."""


class Cursor(Protocol):
    """What a group reads and moves of a subscriber's feed."""

    last: int
    match: WindowMatch

    def entries(self, changes: Sequence[WindowChange]) -> Awaitable[dict[int, ActivityEntry]]:
        """The changes' entries, read once for every subscriber (``SharedEntries``)."""

    async def stop(self) -> None:
        """Close the feed's subscription: it will not be followed again."""


# The data JSON text of one event under the group's selection, or None when
# it cannot be shared (errors, or not a shared execution): the subscriber
# then gets it on the ordinary path, which sends errors as strawberry does.
Render = Callable[[WindowChange, "ActivityEntry | None"], Awaitable[str | None]]


class DirectDelivery:
    """What one subscription needs to be delivered to directly: its sink, its
    group's key (``schema.live``: the organisation and the shared execution's
    selection key, which holds everything that makes payloads differ between
    viewers) and how to make its group's ``Render`` (one per group: any
    member's renders what every member of its key gets; a member keeps no
    execution of its own while parked)."""

    __slots__ = ("key", "renderer", "sink")

    def __init__(self, key: Hashable, sink: FrameSink, renderer: Callable[[], Render]) -> None:
        self.key = key
        self.sink = sink
        self.renderer: Callable[[], Render] | None = renderer

    def park(self, feed: Cursor, inbox: Subscription, database: Database) -> None:
        """Join the group with the feed and its open ``inbox``: from now on
        the group delivers, and the feed's generator ends (the sink is told).
        Synchronous: nothing is dispatched between the caller's last look at
        its inbox and the group taking over."""
        group = _GROUPS.get(self.key)
        if group is None:
            group = _GROUPS[self.key] = DirectGroup(self.key, database)
        renderer, self.renderer = self.renderer, None
        if group.render is None and renderer is not None:
            group.render = renderer()
        member = Member(feed, self, group, inbox)
        group.members.add(member)
        inbox.direct = member
        self.sink.parked(member)


class Resumption:
    """A released member's feed and subscription, for its operation's next run."""

    __slots__ = ("feed", "inbox", "replay")

    def __init__(self, feed: Cursor, inbox: Subscription, replay: bool) -> None:
        self.feed = feed
        self.inbox = inbox
        self.replay = replay


# Set in the context of a released operation's new task (its sink): its
# ``activityEvents`` resolver follows this feed instead of starting one.
RESUMED: Final[contextvars.ContextVar[Resumption | None]] = contextvars.ContextVar(
    "online_activity_resumed", default=None
)


class Member:
    """One parked subscriber in its group."""

    __slots__ = ("active", "delivery", "feed", "group", "inbox")

    def __init__(
        self, feed: Cursor, delivery: DirectDelivery, group: DirectGroup, inbox: Subscription
    ) -> None:
        self.feed = feed
        self.delivery = delivery
        self.group = group
        self.inbox = inbox
        self.active = True

    def dispatched(self, message: Mapping[str, Any]) -> None:
        """The broadcaster's fan-out: ``message`` is this member's, in order."""
        if self.active:
            self.group.dispatched(message, self)

    def release(self, replay: bool = True) -> None:
        """Back to the ordinary path: from now on its messages go to its
        inbox, read by its operation's next run after the replay (False: the
        inbox ended; its next run reads the end)."""
        if self.active:
            self.leave()
            self.delivery.sink.resume(self, replay)

    def resumption(self, replay: bool) -> Resumption:
        return Resumption(self.feed, self.inbox, replay)

    def leave(self) -> None:
        self.active = False
        if self.inbox.direct is self:
            self.inbox.direct = None
        group = self.group
        group.members.discard(self)
        if not group.members:
            group.retire()

    async def end(self) -> None:
        """Its operation ended while parked: out of the group, subscription closed."""
        self.leave()
        await self.feed.stop()


class DirectGroup:
    """The parked subscribers of one organisation and selection on this
    process, and the one task that delivers their messages."""

    def __init__(self, key: Hashable, database: Database) -> None:
        self.key = key
        self.database = database
        self.members: set[Member] = set()
        # How every member's events are rendered (the first member's, detached
        # from its socket: ``DirectDelivery``).
        self.render: Render | None = None
        # Messages dispatched and not delivered yet, each with the members it was for.
        self._pending: deque[tuple[Mapping[str, Any], list[Member]]] = deque()
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None

    def dispatched(self, message: Mapping[str, Any], member: Member) -> None:
        pending = self._pending
        if len(pending) >= PENDING_BOUND:
            # The group is this far behind: memory stays bounded, and the
            # member catches up from the database at its own pace (its replay
            # covers this message: it was committed before it was published).
            member.release()
            return
        if pending and pending[-1][0] is message:
            pending[-1][1].append(member)
            return
        pending.append((message, [member]))
        self.wake()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="direct-delivery", context=contextvars.Context()
            )

    def retire(self) -> None:
        """The last member left: the group goes once nothing is pending."""
        if self._task is None or self._task.done():
            if _GROUPS.get(self.key) is self:
                del _GROUPS[self.key]
        else:
            self.wake()  # its task sees no members and ends

    def wake(self) -> None:
        wake, self._wake = self._wake, None
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def _run(self) -> None:
        try:
            await self._serve()
        except BaseException:
            # Cancelled (the loop stopping) or broken: no member may stay
            # parked behind a task that is gone; each replays from its cursor.
            self._release_all()
            raise

    def _release_all(self) -> None:
        while self._pending:
            _, members = self._pending.popleft()
            for member in members:
                member.release()
        for member in list(self.members):
            member.release()
        if _GROUPS.get(self.key) is self:
            del _GROUPS[self.key]

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                if not self.members:
                    if _GROUPS.get(self.key) is self:
                        del _GROUPS[self.key]
                    return
                self._wake = loop.create_future()
                await self._wake
                continue
            # One slot for the whole backlog, not one per message: the wait for
            # writes (``delivery_slot``) is the process's, the group's
            # messages are one after another; each still yields to the loop
            # at its reads.
            async with delivery_slot(self.database):
                while self._pending:
                    message, members = self._pending.popleft()
                    try:
                        await self._deliver(message, members)
                    except asyncio.CancelledError:
                        for member in members:
                            member.release()
                        raise
                    except Exception:
                        # The ordinary path retries (and reports) what failed here.
                        logger.exception("direct delivery failed; its subscribers replay")
                        for member in members:
                            member.release()

    async def _deliver(self, message: Mapping[str, Any], members: list[Member]) -> None:
        parsed = parse_changes(message)
        if parsed is None:  # a resync marker: the ordinary path replays
            for member in members:
                member.release()
            return
        changes = parsed.changes
        due: list[tuple[Member, Sequence[WindowChange]]] = []
        wanted = False
        for member in members:
            if not member.active:
                continue
            last = member.feed.last
            fresh = (
                changes if changes[0].sequence > last else [c for c in changes if c.sequence > last]
            )
            if not fresh:
                continue
            if fresh[0].sequence > last + 1:  # a hole: a publish was lost
                member.release()
                continue
            due.append((member, fresh))
            if not wanted:
                match = member.feed.match
                wanted = any(change_matches(match, c, None) for c in fresh)
        if not due:
            return
        texts: dict[int, str | None] = {}
        notes: dict[int, bool | None] = {}
        render = self.render  # None: nothing rendered, every member due is released
        if wanted and render is not None:
            entries = await due[0][0].feed.entries(changes)
            for change in changes:
                entry = entries.get(change.entry_id)
                notes[change.sequence] = None if entry is None else entry.has_notes
            await turn()  # one turn of the loop per event, as every live event takes
            # Rendered only for the changes some member will be sent.
            for member, sent in due:
                if not member.active:
                    continue
                match = member.feed.match
                for change in sent:
                    sequence = change.sequence
                    if sequence not in texts and change_matches(match, change, notes[sequence]):
                        entry = entries.get(change.entry_id)
                        waiting = entry if entry is not None and entry.resolution is None else None
                        texts[sequence] = await render(change, waiting)
        self._write(due, texts, notes)

    def _write(
        self,
        due: list[tuple[Member, Sequence[WindowChange]]],
        texts: dict[int, str | None],
        notes: dict[int, bool | None],
    ) -> None:
        """One synchronous loop: every member's frames, and its cursor."""
        written = 0
        frames: dict[int, dict[str, bytes]] = {sequence: {} for sequence in texts}
        # Whether each change shows, decided once per distinct match: a
        # group's members mostly share one (``ActivityFeed``'s are interned).
        shown_by_match: dict[int, dict[int, bool]] = {}
        last_match: WindowMatch | None = None
        shown: dict[int, bool] = {}
        for member, fresh in due:
            if not member.active:
                continue
            feed = member.feed
            match = feed.match
            if match is not last_match:
                last_match = match
                shown = shown_by_match.setdefault(id(match), {})
            write = member.delivery.sink.write
            processed = feed.last
            for change in fresh:
                sequence = change.sequence
                matched = shown.get(sequence)
                if matched is None:
                    matched = shown[sequence] = change_matches(match, change, notes.get(sequence))
                if matched:
                    text = texts.get(sequence)
                    if text is None or not write(text, frames[sequence]):
                        break
                    written += 1
                # Past each change as soon as it is written (or skipped).
                feed.last = processed = sequence
            if processed != fresh[-1].sequence:
                member.release()
        _COUNTS["frames"] += written


_GROUPS: dict[Hashable, DirectGroup] = {}
_COUNTS = {"frames": 0}


def direct_groups() -> dict[Hashable, int]:
    """Parked subscribers per group on this process (tests)."""
    return {key: len(group.members) for key, group in _GROUPS.items()}


def direct_frames() -> int:
    """Frames the groups of this process have written (tests)."""
    return _COUNTS["frames"]
