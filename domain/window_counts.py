"""How many entries the window holds: its total, the badge, the widgets' counts.

Read from the maintained ``ActivityCounter`` rows (never a ``count(*)`` over
the open entries), less the open entries already past the 90 days that the
purge has not yet expired, so every count agrees with what the window shows.
Only the notes filter, which the counters do not know, counts rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.viewer import Viewer
from domain.vocabulary import ActivityType, WindowStatus
from domain.window import selection, visible_to, window_cutoff
from domain.window_filter import COUNTER_COLUMNS, ENTRY_COLUMNS, WindowFilter, WindowMatch
from models import ActivityCounter, ActivityEntry


def oldest_open_at(organisation_id: int) -> ScalarSelect[datetime]:
    """When the organisation's oldest open entry happened: one step down the
    partial window index. Usually inside the 90 days (the purge expires
    older ones), which proves there is nothing stale to subtract."""
    return (
        select(func.min(ActivityEntry.occurred_at))
        .where(
            ActivityEntry.organisation_id == organisation_id,
            ActivityEntry.resolution.is_(None),
        )
        .scalar_subquery()
    )


def _has_stale(oldest_open: datetime | None, now: datetime) -> bool:
    return oldest_open is not None and oldest_open < window_cutoff(now)


async def _stale_count(
    session: AsyncSession, viewer: Viewer, window_filter: WindowFilter, now: datetime
) -> int:
    """Open entries already past the 90 days that the purge has not yet
    expired: still in the counters, no longer in the window."""
    match = WindowMatch.of(viewer, window_filter)
    stale = await session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(
            *match.scope_conditions(ENTRY_COLUMNS),
            ActivityEntry.resolution.is_(None),
            ActivityEntry.occurred_at < window_cutoff(now),
            *match.filter_conditions(ENTRY_COLUMNS),
        )
    )
    return int(stale or 0)


async def count_matching(
    session: AsyncSession, viewer: Viewer, window_filter: WindowFilter, now: datetime
) -> int:
    """How many entries match: from the counters, less open entries already
    past the 90 days (the counters know nothing of notes: that filter counts rows)."""
    match = WindowMatch.of(viewer, window_filter)
    if match.reads_notes:
        total = await session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(selection(viewer, window_filter, now))
        )
        return int(total or 0)
    # The oldest open entry rides along in the same statement: usually it
    # proves there is nothing stale to subtract, without a second round trip.
    counted, oldest_open = (await session.execute(_counted(match))).one()
    if not _has_stale(oldest_open, now):
        return int(counted or 0)
    return int(counted or 0) - await _stale_count(session, viewer, window_filter, now)


@lru_cache(maxsize=128)
def _counted(match: WindowMatch) -> Select[int, datetime]:
    """The counters' sum for ``match`` and the oldest open entry: the
    statement depends on nothing else, so it is made once per match (making
    it was a tenth of a window request's SQLAlchemy calls); it reads anew
    every time it runs."""
    return select(
        func.coalesce(func.sum(ActivityCounter.open_count), 0),
        oldest_open_at(match.organisation_id),
    ).where(*match.conditions(COUNTER_COLUMNS))


def counter_conditions(
    viewer: Viewer, window_filter: WindowFilter | None = None
) -> list[ColumnElement[bool]]:
    """The counter rows that hold the entries a viewer sees with this filter
    (without one: every entry the viewer sees). A notes filter cannot be
    read from the counters (``NotesNotCounted``)."""
    return WindowMatch.of(viewer, window_filter).conditions(COUNTER_COLUMNS)


@dataclass(frozen=True)
class TypeStatusCount:
    type: ActivityType
    status: WindowStatus
    count: int


async def counts_by_type_and_status(
    session: AsyncSession, viewer: Viewer, now: datetime
) -> list[TypeStatusCount]:
    """Open entries in the viewer's window per type and status, for the
    dashboard's list widgets and the badge: read from the maintained
    counters, less entries past the 90 days the purge has not expired yet."""
    counted = (
        await session.execute(
            select(
                ActivityCounter.type,
                ActivityCounter.status,
                func.sum(ActivityCounter.open_count),
                oldest_open_at(viewer.organisation_id),
            )
            .where(*counter_conditions(viewer))
            .group_by(ActivityCounter.type, ActivityCounter.status)
        )
    ).all()
    totals = {(t, s): int(n or 0) for t, s, n, _ in counted}
    if not counted or not _has_stale(counted[0][3], now):
        return _positive(totals)
    stale = await session.execute(
        select(ActivityEntry.type, ActivityEntry.status, func.count())
        .where(
            visible_to(viewer),
            ActivityEntry.resolution.is_(None),
            ActivityEntry.occurred_at < window_cutoff(now),
        )
        .group_by(ActivityEntry.type, ActivityEntry.status)
    )
    for t, s, n in stale:
        totals[(t, s)] = totals.get((t, s), 0) - int(n)
    return _positive(totals)


def _positive(totals: dict[tuple[str, WindowStatus], int]) -> list[TypeStatusCount]:
    return [
        TypeStatusCount(ActivityType(t), WindowStatus(s), n)
        for (t, s), n in sorted(totals.items())
        if n > 0
    ]


@dataclass(frozen=True)
class Badge:
    waiting: int
    pending: int


async def badge(session: AsyncSession, viewer: Viewer, now: datetime) -> Badge:
    """The spec: "When you receive new requests the Portal icon will display a
    red area with the number of notifications": every open entry the viewer
    sees, and of them those pending approval."""
    counts = await counts_by_type_and_status(session, viewer, now)
    return Badge(
        waiting=sum(c.count for c in counts),
        pending=sum(c.count for c in counts if c.status is WindowStatus.PENDING),
    )
