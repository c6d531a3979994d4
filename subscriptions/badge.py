"""The live badge: its value on subscribe, then after every change.

"When you receive new requests the Portal icon will display a red area with
the number of notifications." The value is read from the maintained
counters (``domain.badges``), once per published message: a bulk action is
one message, so it is one recount and at most one push, and the subscribers
on one process share that recount.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime

from domain.badges import BadgeCache, BadgeReading, read_badge
from domain.live_filter import change_in_scope
from domain.viewer import Viewer
from domain.window_counts import Badge
from domain.window_filter import WindowMatch
from models.db import Database
from subscriptions.broadcast import Broadcaster, SubscriberOverflow
from subscriptions.channels import parse_changes, window_channel
from subscriptions.pacing import delivery_slot


async def _read(
    database: Database,
    badges: BadgeCache,
    viewer: Viewer,
    now: Callable[[], datetime],
    at_least: int = 0,
) -> Badge:
    at = now()

    async def read() -> BadgeReading:
        async with database.live_read() as session:
            return await read_badge(session, viewer, at)

    return await badges.badge(viewer, at, read, at_least)


async def badge_updates(
    database: Database,
    broadcaster: Broadcaster,
    badges: BadgeCache,
    viewer: Viewer,
    now: Callable[[], datetime],
) -> AsyncIterator[Badge]:
    """The current badge, then each new value (an unchanged value is not
    pushed again). A lost message, a Redis reconnect or a subscriber that
    fell behind all end in the same recount from the database."""
    shown: Badge | None = None
    scope = WindowMatch.of(viewer)
    while True:
        async with broadcaster.subscribe(window_channel(viewer.organisation_id)) as inbox:
            value = await _read(database, badges, viewer, now)
            if value != shown:
                shown = value
                yield value
            try:
                async for message in inbox:
                    parsed = parse_changes(message)
                    if parsed is not None and not any(
                        change_in_scope(scope, c) for c in parsed.changes
                    ):
                        continue  # another location's entries: this badge is unchanged
                    if inbox.backlog:
                        continue  # behind: only the newest message's recount is shown
                    async with delivery_slot(database):
                        pass
                    # Every subscriber of the process recounts after the same
                    # message: the first reads, the others share its value.
                    since = 0 if parsed is None else parsed.last_sequence
                    value = await _read(database, badges, viewer, now, since)
                    if value != shown:
                        shown = value
                        yield value
                return
            except SubscriberOverflow:
                continue
