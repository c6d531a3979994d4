"""The badge, read once per organisation change and kept until the next.

The spec: "When you receive new requests the Portal icon will display a red
area with the number of notifications." Every dashboard shows the badge and
every live badge recounts it after each action, so the same number is asked
for far more often than it changes. ``BadgeCache`` keeps each value per
organisation and location scope until one of these, whichever comes first:

- the organisation changes: ``forget(organisation_id)``, called after every
  commit on this process and, for the other processes, on every message of
  the organisation's window channel (``subscriptions.badge_watch``). A value
  is only kept for an organisation whose channel is being watched, and only
  if nothing was forgotten while it was read;
- a reader knows of a later change than the value reflects (``at_least``:
  a live badge recounting after the message of sequence number N);
- its oldest open entry leaves the 90-day window (the value would shrink
  with no change at all), or ``seconds`` have passed: a safety net for a
  change whose message was lost.

Nothing is kept or answered while changes cannot reach this process (Redis
unreachable: ``delivery()`` is None), and a value read before a reconnect is
never answered after it (messages may have been lost in between).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.viewer import Viewer
from domain.vocabulary import WindowStatus
from domain.window import window_cutoff
from domain.window_counts import Badge, badge, counter_conditions, oldest_open_at
from models import ActivityCounter, Organisation

BADGES_KEPT = 4096


@dataclass(frozen=True)
class BadgeReading:
    badge: Badge
    sequence: int  # the organisation's last sequence number the value reflects
    keep_until: datetime | None  # when its oldest open entry leaves the window; None: never


async def read_badge(session: AsyncSession, viewer: Viewer, now: datetime) -> BadgeReading:
    """The badge and the sequence number it reflects, in one statement
    (``window_counts.badge`` when an entry past the 90 days is still open)."""
    organisation_id = viewer.organisation_id
    pending = case(
        (ActivityCounter.status == WindowStatus.PENDING.value, ActivityCounter.open_count),
        else_=0,
    )
    waiting, pending_count, oldest, sequence = (
        await session.execute(
            select(
                func.coalesce(func.sum(ActivityCounter.open_count), 0),
                func.coalesce(func.sum(pending), 0),
                oldest_open_at(organisation_id),
                select(Organisation.activity_seq)
                .where(Organisation.id == organisation_id)
                .scalar_subquery(),
            ).where(*counter_conditions(viewer))
        )
    ).one()
    if oldest is not None and oldest < window_cutoff(now):
        # Stale entries to subtract: the exact count, not kept.
        return BadgeReading(await badge(session, viewer, now), int(sequence or 0), now)
    keep_until = None if oldest is None else oldest - window_cutoff(now) + now
    return BadgeReading(Badge(int(waiting), int(pending_count)), int(sequence or 0), keep_until)


@dataclass(frozen=True)
class _Kept:
    reading: BadgeReading
    read_at: datetime
    expires: float  # on the cache's clock
    delivery: int  # the delivery epoch it was read in

    def answers(self, now: datetime, at_least: int, clock: float, delivery: int | None) -> bool:
        keep_until = self.reading.keep_until
        return (
            delivery == self.delivery
            and self.reading.sequence >= at_least
            and self.read_at <= now
            and (keep_until is None or now < keep_until)
            and clock < self.expires
        )


class BadgeCache:
    """Badges by organisation and location scope (see the module)."""

    def __init__(
        self,
        seconds: float,
        watch: Callable[[int], None] | None = None,
        *,
        kept: int = BADGES_KEPT,
        clock: Callable[[], float] = time.monotonic,
        delivery: Callable[[], int | None] = lambda: 0,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._delivery = delivery
        self._watch = watch
        self._kept = kept  # organisations
        self._values: OrderedDict[int, dict[frozenset[int] | None, _Kept]] = OrderedDict()
        # Per watched organisation, bumped by every forget(): a value read
        # across a change is not kept.
        self._epochs: dict[int, int] = {}
        self.hits = 0
        self.misses = 0

    async def badge(
        self,
        viewer: Viewer,
        now: datetime,
        read: Callable[[], Awaitable[BadgeReading]],
        at_least: int = 0,
    ) -> Badge:
        """The viewer's badge: kept, or read with ``read()`` (``read_badge``)
        and kept. ``at_least``: the caller knows the organisation reached this
        sequence number, so an older value will not do."""
        organisation_id = viewer.organisation_id
        scopes = self._values.get(organisation_id)
        kept = None if scopes is None else scopes.get(viewer.location_ids)
        delivery = self._delivery()
        if kept is not None and kept.answers(now, at_least, self._clock(), delivery):
            self.hits += 1
            self._values.move_to_end(organisation_id)
            return kept.reading.badge
        self.misses += 1
        epoch = self._epochs.get(organisation_id)
        if epoch is None and self._watch is not None and self._seconds > 0:
            self._watch(organisation_id)  # kept from a later read on
        reading = await read()
        if (
            epoch is not None
            and self._epochs.get(organisation_id) == epoch
            and delivery is not None
            and self._delivery() == delivery
        ):
            kept = _Kept(reading, now, self._clock() + self._seconds, delivery)
            self._values.setdefault(organisation_id, {})[viewer.location_ids] = kept
            self._values.move_to_end(organisation_id)
            while len(self._values) > self._kept:
                self._values.popitem(last=False)
        return reading.badge

    def watched(self, organisation_id: int) -> bool:
        return organisation_id in self._epochs

    def watching(self, organisation_id: int) -> None:
        """The organisation's changes now reach ``forget``: its values may be kept."""
        self._epochs.setdefault(organisation_id, 0)

    def unwatched(self, organisation_id: int) -> None:
        """Its changes no longer reach ``forget``: keep nothing for it."""
        self._epochs.pop(organisation_id, None)
        self._values.pop(organisation_id, None)

    def forget(self, organisation_id: int | None = None) -> None:
        """The organisation changed (None: anything may have changed)."""
        if organisation_id is None:
            for watched in self._epochs:
                self._epochs[watched] += 1
            self._values.clear()
            return
        if organisation_id in self._epochs:
            self._epochs[organisation_id] += 1
        self._values.pop(organisation_id, None)
