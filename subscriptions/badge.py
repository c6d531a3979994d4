"""The live badge: its value on subscribe, then after every change.

"When you receive new requests the Portal icon will display a red area with
the number of notifications." The value is read from the maintained
counters (``domain.window_counts.badge``), once per published message: a bulk
action is one message, so it is one recount and at most one push.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime

from domain import window_counts
from domain.live_filter import visible_change
from domain.viewer import Viewer
from models.db import Database
from subscriptions.broadcast import Broadcaster, SubscriberOverflow
from subscriptions.channels import parse_changes, window_channel


async def _read(
    database: Database, viewer: Viewer, now: Callable[[], datetime]
) -> window_counts.Badge:
    async with database.read() as session:
        return await window_counts.badge(session, viewer, now())


async def badge_updates(
    database: Database, broadcaster: Broadcaster, viewer: Viewer, now: Callable[[], datetime]
) -> AsyncIterator[window_counts.Badge]:
    """The current badge, then each new value (an unchanged value is not
    pushed again). A lost message, a Redis reconnect or a subscriber that
    fell behind all end in the same recount from the database."""
    shown: window_counts.Badge | None = None
    while True:
        async with broadcaster.subscribe(window_channel(viewer.organisation_id)) as inbox:
            value = await _read(database, viewer, now)
            if value != shown:
                shown = value
                yield value
            try:
                async for message in inbox:
                    parsed = parse_changes(message)
                    if parsed is not None and not any(
                        visible_change(viewer, c) for c in parsed.changes
                    ):
                        continue  # another location's entries: this badge is unchanged
                    value = await _read(database, viewer, now)
                    if value != shown:
                        shown = value
                        yield value
                return
            except SubscriberOverflow:
                continue
