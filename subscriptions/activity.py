"""Live window changes for one subscriber: replay from the database, then push.

Redis pub/sub is at-most-once, so the database is the record and the push is
the wake-up. The algorithm, with neither gap nor duplicate at the seam:

1. subscribe to the organisation's channel first, so nothing committed from
   now on can be missed;
2. with ``after_sequence``, replay ``activity_changes`` past it from the
   database, in order; without, start at the organisation's current sequence
   (read once for the subscribers asking together, ``SequenceReads``, and
   not at all while the process already follows the channel since a read,
   ``known_sequence``);
3. then for each pushed message deliver only the changes past the last
   sequence seen. A message whose first new sequence leaves a hole (one
   publish was lost) or a ``resync`` marker (Redis reconnected) triggers a
   replay from the database instead.

A subscriber that falls ``queue_size`` messages behind (its client reads
slowly) is not dropped: its buffered messages are discarded, it subscribes
again and replays from the database from its last sequence, at its own pace.
Memory stays bounded and the client loses nothing. A client that stops
reading altogether is another matter: once one frame has waited
``WS_SEND_TIMEOUT_SECONDS`` its socket is closed with 1013, and it resumes
by resubscribing with ``afterSequence`` (``service.backpressure``, README).

Once its inbox is drained (caught up), a feed given a ``DirectDelivery``
parks and its group's task writes its frames (``subscriptions.direct``,
issue 12: fan-out); released (its socket did not take a frame at once, a
hole, a resync), it replays from its cursor here and parks again.

Every database read opens its own short session: nothing is held between
events (the websocket context lives as long as the socket). The entries of
one published message are read once per process, not once per subscriber:
every subscriber of the organisation on this process awaits the same read
(``SharedEntries``), and each then keeps only what it may see.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from domain.errors import ErrorCode, InvalidRequest
from domain.journal import ChangeKind, WindowChange
from domain.journal import current_sequence as journal_sequence
from domain.live_filter import change_matches
from domain.process_caches import ProcessCache
from domain.viewer import Viewer
from domain.window_filter import WindowFilter, WindowMatch
from models import ActivityChange, ActivityEntry
from models.db import Database
from subscriptions.broadcast import Broadcaster, SubscriberOverflow, Subscription
from subscriptions.channels import parse_changes, window_channel
from subscriptions.direct import DirectDelivery, Resumption
from subscriptions.pacing import delivery_slot

REPLAY_BATCH = 500
SHARED_READS_KEPT = 64
SHARED_ROWS_KEPT = 10_000
"""Entries the shared reads keep in all (issue 10: "bound memory"): a mass
action's batch is 5,000 entries, so a bound on reads alone let 64 of them
hold 320,000 rows."""


class LiveErrorCode(ErrorCode):
    """The live feed's area (a subscription's error, not a payload's)."""

    RESYNC_REQUIRED = (
        "RESYNC_REQUIRED",
        "Changes after that sequence are no longer kept: reload the window.",
    )


@dataclass(frozen=True)
class ActivityEvent:
    change: WindowChange
    # None when the entry has left the window (a processed entry is never
    # served as waiting) or no longer exists (a denied enrollment request).
    entry: ActivityEntry | None


async def current_sequence(database: Database, organisation_id: int) -> int:
    async with database.live_read() as session:
        return await journal_sequence(session, organisation_id)


def known_sequence(inbox: Subscription) -> int | None:
    """Where a subscriber starting live may start, without reading the
    database, when this process has followed the organisation's channel
    since a read of its sequence (issue 12: a burst of subscribers started
    with no await at all, so no first run waited with its execution held).

    The newest of that read (noted on the channel by the subscriber that
    made it, after subscribing) and the changes fanned out since: a change
    committed before this subscriber joined is past it or behind it; one
    whose message is still on its way arrives on ``inbox``; one whose publish
    was lost (or a resync, which clears the note) shows as a hole, and the
    feed replays from the database as it does for any hole.
    """
    noted = inbox.channel_note
    if not isinstance(noted, int):
        return None
    newest = inbox.channel_newest
    parsed = None if newest is None else parse_changes(newest)
    return noted if parsed is None else max(noted, parsed.last_sequence)


class SequenceReads:
    """The organisation's current sequence for subscribers starting live:
    one read for all those that ask in the same turn of the loop.

    Issue 12 (memory per idle subscriber): 1,000 subscribers connecting at
    once each read the sequence in turn, so hundreds of subscriptions were
    in the middle of their first run at the same time, each holding its
    whole execution (~15 KiB), and the server's RSS kept that peak. Shared,
    the reads of one burst are one statement per organisation.

    A read serves only those that asked before it started (its task's first
    step is on a later turn of the loop): each of them subscribed to the channel before
    asking, so the read comes after every subscription it serves, which is
    what the algorithm needs (``ActivityFeed.events``: a change committed
    after the read is pushed to each of them).
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[Database, int], asyncio.Task[int]] = {}

    async def current(self, database: Database, organisation_id: int) -> int:
        key = (database, organisation_id)
        read = self._pending.get(key)
        if read is None:
            # A task's first step runs on a later turn of the loop, after
            # every asker that finds it here has subscribed.
            read = self._pending[key] = asyncio.get_running_loop().create_task(
                self._read(key), context=contextvars.Context()
            )
            read.add_done_callback(_retrieved)  # its askers may all be gone
        # shield: one subscriber going away must not cancel the others' read
        return await asyncio.shield(read)

    async def _read(self, key: tuple[Database, int]) -> int:
        if self._pending.get(key) is asyncio.current_task():
            del self._pending[key]  # started: later askers get a read of their own
        return await current_sequence(*key)


def _retrieved(read: asyncio.Task[int]) -> None:
    if not read.cancelled():
        read.exception()


SEQUENCE_READS = SequenceReads()


async def check_replayable(database: Database, organisation_id: int, after_sequence: int) -> None:
    """Refuse a resume point whose changes the purge has already deleted.

    ``activity_changes`` keeps 90 days, like the window; a client that comes
    back later would otherwise replay a record with a hole at its start. It
    is told to reload the window (whose ``sequence`` is a fresh resume point).
    """
    async with database.live_read() as session:
        current = await journal_sequence(session, organisation_id)
        oldest = await session.scalar(
            select(func.min(ActivityChange.sequence)).where(
                ActivityChange.organisation_id == organisation_id
            )
        )
    first_needed = after_sequence + 1
    if first_needed <= current and (oldest is None or oldest > first_needed):
        raise InvalidRequest.one(
            LiveErrorCode.RESYNC_REQUIRED,
            "changes after that sequence are no longer kept: reload the window and "
            "subscribe with its sequence",
            "afterSequence",
        )


def _from_row(row: ActivityChange) -> WindowChange:
    return WindowChange(
        organisation_id=row.organisation_id,
        sequence=row.sequence,
        entry_id=row.entry_id,
        change=ChangeKind(row.change),
        reason=row.reason,
        type=row.type,
        status=row.status,
        location_id=row.location_id,
        at=row.at,
    )


async def _load_entries(
    database: Database, organisation_id: int, entry_ids: Sequence[int]
) -> dict[int, ActivityEntry]:
    async with database.live_read() as session:
        rows = await session.scalars(
            select(ActivityEntry).where(
                ActivityEntry.id.in_(entry_ids), ActivityEntry.organisation_id == organisation_id
            )
        )
        return {row.id: row for row in rows}


class SharedEntries:
    """The entries of one batch of changes, read once and shared by every
    subscriber on this process that needs them (read-only: detached rows).

    Keyed by the database, the organisation and the batch's sequence range: a
    sequence is never reused, so a later state of an entry arrives under a
    later key. The newest reads are kept, finished or in flight, up to
    ``kept`` reads and ``rows`` entries in all (issue 10: "bound memory");
    the newest read is kept whatever its size, since its subscribers are
    reading it now. A failed read is forgotten so the next subscriber tries
    again. A forgotten read is only read again, never lost: it is a cache.
    """

    def __init__(self, kept: int = SHARED_READS_KEPT, rows: int = SHARED_ROWS_KEPT) -> None:
        self._kept = kept
        self._rows = rows
        self._held = 0
        self._reads: OrderedDict[
            tuple[object, ...], tuple[asyncio.Future[dict[int, ActivityEntry]], int]
        ] = OrderedDict()

    @property
    def held(self) -> tuple[int, int]:
        """(reads, entries) kept now."""
        return len(self._reads), self._held

    async def entries(
        self, database: Database, organisation_id: int, changes: Sequence[WindowChange]
    ) -> dict[int, ActivityEntry]:
        key = (database, organisation_id, changes[0].sequence, changes[-1].sequence, len(changes))
        kept = self._reads.get(key)
        read: asyncio.Future[dict[int, ActivityEntry]]
        if kept is None:
            ids = sorted({c.entry_id for c in changes})
            read = asyncio.ensure_future(_load_entries(database, organisation_id, ids))
            self._reads[key] = (read, len(ids))
            self._held += len(ids)
            read.add_done_callback(lambda done: self._forget_failed(key, done))
            self._evict()
        else:
            read = kept[0]
        # shield: one subscriber going away must not cancel the others' read
        return await asyncio.shield(read)

    def _evict(self) -> None:
        while len(self._reads) > 1 and (len(self._reads) > self._kept or self._held > self._rows):
            _, (_, size) = self._reads.popitem(last=False)
            self._held -= size

    def _forget_failed(
        self, key: tuple[object, ...], done: asyncio.Future[dict[int, ActivityEntry]]
    ) -> None:
        kept = self._reads.get(key)
        if (done.cancelled() or done.exception() is not None) and kept and kept[0] is done:
            del self._reads[key]
            self._held -= kept[1]


SHARED_ENTRIES = SharedEntries()


@dataclass(frozen=True)
class LiveLag:
    """How far this process's subscribers are behind what was fanned out to them."""

    subscribers: int
    # The most sequence numbers one subscriber has been sent and not processed yet.
    max_sequences: int
    # Messages waiting in subscribers' queues, all together.
    queued_messages: int


_LIVE_FEEDS: weakref.WeakSet[ActivityFeed] = weakref.WeakSet()

MATCHES_KEPT = 1024
_matches: ProcessCache[WindowMatch, WindowMatch] = ProcessCache(MATCHES_KEPT)


def live_lag() -> LiveLag:
    """Measured when asked (a /metrics scrape), never on the delivery path."""
    lag = queued = count = 0
    for feed in list(_LIVE_FEEDS):
        inbox = feed.inbox
        if inbox is None or inbox.ended:
            continue
        count += 1
        queued += inbox.backlog
        newest = inbox.newest
        sequence = newest.get("last_sequence") if newest is not None else None
        if isinstance(sequence, int):
            lag = max(lag, sequence - feed.last)
    return LiveLag(count, lag, queued)


class ActivityFeed:
    """One subscriber's view of its organisation's changes."""

    # No instance dict: one feed per subscription, most of them idle for hours.
    __slots__ = (
        "__weakref__",
        "broadcaster",
        "database",
        "direct",
        "filter",
        "inbox",
        "last",
        "match",
        "viewer",
    )

    def __init__(
        self,
        database: Database,
        broadcaster: Broadcaster,
        viewer: Viewer,
        window_filter: WindowFilter,
        direct: DirectDelivery | None = None,
    ) -> None:
        self.database = database
        self.broadcaster = broadcaster
        self.viewer = viewer
        self.filter = window_filter
        # What this subscriber sees: its scope and filter, derived once, one
        # object for every subscriber of the same (a direct group decides
        # once per distinct match, ``subscriptions.direct``).
        match = WindowMatch.of(viewer, window_filter)
        self.match = _matches.get(match, lambda: match)
        # The last sequence processed (delivered, or skipped as not visible).
        self.last = 0
        # The organisation's channel while subscribed (for ``live_lag``).
        self.inbox: Subscription | None = None
        # Once caught up, the feed parks and its group writes its frames
        # (``subscriptions.direct``); None: every event through this generator.
        self.direct = direct

    def entries(self, changes: Sequence[WindowChange]) -> Awaitable[dict[int, ActivityEntry]]:
        """The changes' entries, one read shared by the process's subscribers."""
        return SHARED_ENTRIES.entries(self.database, self.viewer.organisation_id, changes)

    async def events(self, after_sequence: int | None) -> AsyncIterator[ActivityEvent]:
        organisation_id = self.viewer.organisation_id
        if after_sequence is not None:
            self.last = max(after_sequence, 0)
            await check_replayable(self.database, organisation_id, self.last)
        _LIVE_FEEDS.add(self)  # until the feed is freed (a weak set)
        inbox = await self.broadcaster.open(window_channel(organisation_id))
        if after_sequence is None:
            known = known_sequence(inbox)
            if known is not None:
                self.last = known
            else:
                try:
                    self.last = await SEQUENCE_READS.current(self.database, organisation_id)
                except BaseException:
                    await self.broadcaster.close(inbox)
                    raise
                # Read after the channel was subscribed: good for later starters too.
                noted = inbox.channel_note
                if not isinstance(noted, int) or noted < self.last:
                    inbox.channel_note = self.last
        async for event in self.follow(inbox, replay=after_sequence is not None):
            yield event

    async def follow(self, inbox: Subscription, replay: bool) -> AsyncIterator[ActivityEvent]:
        """From ``inbox``, open on the organisation's channel since before
        ``self.last`` was processed: first the database past ``self.last``
        when ``replay``, then each pushed message. Ends when the broadcaster
        shuts down, or when the feed parks (caught up, with a
        ``DirectDelivery``): its group then holds ``inbox`` and the feed, and
        the subscription goes on with no task or generator of its own until
        released, when it is followed again from its cursor
        (``subscriptions.direct``)."""
        channel = window_channel(self.viewer.organisation_id)
        parked = False
        try:
            while True:
                self.inbox = inbox
                if replay:
                    async for event in self._replay():
                        yield event
                direct = self.direct
                try:
                    while True:
                        if direct is not None and not inbox.backlog and not inbox.ended:
                            # Caught up: the group delivers from now on.
                            direct.park(self, inbox, self.database)
                            parked = True
                            return
                        try:
                            message = await inbox.__anext__()
                        except StopAsyncIteration:
                            break
                        parsed = parse_changes(message)
                        fresh = (
                            []
                            if parsed is None
                            else [c for c in parsed.changes if c.sequence > self.last]
                        )
                        if parsed is None or (fresh and fresh[0].sequence > self.last + 1):
                            # A resync marker, or a hole: a publish was lost.
                            async for event in self._replay():
                                yield event
                            continue
                        if not fresh:
                            continue
                        self.last = fresh[-1].sequence
                        for event in await self._events_for(fresh):
                            async with delivery_slot(self.database):
                                yield event
                    return  # the broadcaster shut down: the server is stopping
                except SubscriberOverflow:
                    # Subscribe again, then replay what was dropped.
                    await self.broadcaster.close(inbox)
                    inbox = await self.broadcaster.open(channel)
                    replay = True
        finally:
            if not parked:
                await self.broadcaster.close(inbox)

    async def stop(self) -> None:
        """The end of a parked feed: its subscription closes."""
        if self.inbox is not None:
            await self.broadcaster.close(self.inbox)

    async def _replay(self) -> AsyncIterator[ActivityEvent]:
        """Everything past ``self.last`` from the database, in batches."""
        while True:
            async with self.database.live_read() as session:
                rows = list(
                    await session.scalars(
                        select(ActivityChange)
                        .where(
                            ActivityChange.organisation_id == self.viewer.organisation_id,
                            ActivityChange.sequence > self.last,
                        )
                        .order_by(ActivityChange.sequence)
                        .limit(REPLAY_BATCH)
                    )
                )
            if not rows:
                return
            changes = [_from_row(r) for r in rows]
            self.last = changes[-1].sequence
            for event in await self._events_for(changes):
                async with delivery_slot(self.database):
                    yield event
            if len(rows) < REPLAY_BATCH:
                return

    async def _events_for(self, changes: Sequence[WindowChange]) -> list[ActivityEvent]:
        """Filter, then the entries of all the changes (one shared read)."""
        candidates = [c for c in changes if change_matches(self.match, c, None)]
        if not candidates:
            return []
        # All the batch's entries, so every subscriber shares the one read.
        entries = await SHARED_ENTRIES.entries(self.database, self.viewer.organisation_id, changes)
        events = []
        for change in candidates:
            entry = entries.get(change.entry_id)
            if change_matches(self.match, change, None if entry is None else entry.has_notes):
                waiting = entry if entry is not None and entry.resolution is None else None
                events.append(ActivityEvent(change, waiting))
        return events


def activity_events(
    database: Database,
    broadcaster: Broadcaster,
    viewer: Viewer,
    window_filter: WindowFilter,
    after_sequence: int | None,
    direct: DirectDelivery | None = None,
) -> AsyncIterator[ActivityEvent]:
    """The changes ``viewer`` may see that match ``window_filter``, live,
    after replaying those past ``after_sequence`` when it is given; with
    ``direct``, a caught-up feed's frames are written by its group."""
    return ActivityFeed(database, broadcaster, viewer, window_filter, direct).events(after_sequence)


def resumed_events(
    resumption: Resumption, direct: DirectDelivery | None
) -> AsyncIterator[ActivityEvent]:
    """A released subscriber's feed followed again from its cursor, on its
    still open subscription (``subscriptions.direct``: a parked feed has no
    generator of its own); ``direct`` is its operation's new run's."""
    feed = resumption.feed
    if not isinstance(feed, ActivityFeed):
        raise TypeError(f"not an activity feed: {feed!r}")
    feed.direct = direct
    return feed.follow(resumption.inbox, resumption.replay)
