"""The Online Activity window: which entries a viewer sees, filtered and paged.

"The default filters are all Types of notifications with the 10
notifications per page sorted from oldest (at the top) to newest (at the
end). Results can be filtered by type, pending or approved status, or whether
or not there are notes". "Online Activity data is accessible for a maximum of
90 days from the Online Activity window."

Pages are read by keyset on ``(occurred_at, id)``, never by OFFSET scans of
rows; counts come from the maintained counters where the filter allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cursors import Cursor, KeysetCursor, OffsetCursor, decode
from domain.errors import InvalidRequest, Problem
from domain.viewer import Viewer
from domain.vocabulary import (
    DEFAULT_PAGE_SIZE,
    EXCLUDED_FROM_NOTIFICATION_FILTER,
    MAX_PAGE_SIZE,
    WINDOW_RETENTION_DAYS,
    ActivityType,
    WindowStatus,
)
from models import ActivityCounter, ActivityEntry


class HasNotes(StrEnum):
    """"Has Notes: Both (All), Yes, No"."""

    BOTH = "BOTH"
    YES = "YES"
    NO = "NO"


class StatusFilter(StrEnum):
    """"Status: All, Notification, Pending, Approved"."""

    ALL = "ALL"
    NOTIFICATION = "NOTIFICATION"
    PENDING = "PENDING"
    APPROVED = "APPROVED"


class SortOrder(StrEnum):
    OLDEST_FIRST = "OLDEST_FIRST"
    NEWEST_FIRST = "NEWEST_FIRST"


@dataclass(frozen=True)
class WindowFilter:
    types: frozenset[ActivityType] | None = None
    has_notes: HasNotes = HasNotes.BOTH
    status: StatusFilter = StatusFilter.ALL
    # None: all locations. ``no_location``: "Location-independent items" only.
    location_id: int | None = None
    no_location: bool = False

    def validate(self, *, field: tuple[str, ...] = ("filter",)) -> None:
        """Refuse filters that contradict themselves rather than show nothing."""
        problems: list[Problem] = []
        if self.types is not None and not self.types:
            problems.append(
                Problem("EMPTY_TYPE_FILTER", "types must name at least one type", (*field, "types"))
            )
        if (
            self.status is StatusFilter.NOTIFICATION
            and self.types
            and self.types <= EXCLUDED_FROM_NOTIFICATION_FILTER
        ):
            problems.append(
                Problem(
                    "CONTRADICTORY_FILTER",
                    "the Notification status excludes online orders, gift cards, "
                    "deletion requests and parties, so these types never match it",
                    (*field, "status"),
                )
            )
        if self.location_id is not None and self.no_location:
            problems.append(
                Problem(
                    "CONTRADICTORY_FILTER",
                    "choose a specific location or no location, not both",
                    (*field, "location"),
                )
            )
        if problems:
            raise InvalidRequest(problems)


def window_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=WINDOW_RETENTION_DAYS)


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Tenant and location scope: every read and bulk selection starts here."""
    scope = ActivityEntry.organisation_id == viewer.organisation_id
    if viewer.location_ids is not None:
        scope = and_(
            scope,
            or_(
                ActivityEntry.location_id.is_(None),
                ActivityEntry.location_id.in_(sorted(viewer.location_ids)),
            ),
        )
    return scope


def in_window(now: datetime) -> ColumnElement[bool]:
    return and_(ActivityEntry.resolution.is_(None), ActivityEntry.occurred_at >= window_cutoff(now))


def _type_status_location(
    window_filter: WindowFilter,
    type_column: ColumnElement[str],
    status_column: ColumnElement[str],
    location_matches: ColumnElement[bool] | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if window_filter.types is not None:
        conditions.append(type_column.in_(sorted(window_filter.types)))
    if window_filter.status is not StatusFilter.ALL:
        conditions.append(status_column == window_filter.status.value)
    if window_filter.status is StatusFilter.NOTIFICATION:
        # "The system automatically excludes the following notification types
        # from these results: Online Orders, Gift Card, Deletion Request, Parties"
        conditions.append(type_column.not_in(sorted(EXCLUDED_FROM_NOTIFICATION_FILTER)))
    if location_matches is not None:
        conditions.append(location_matches)
    return conditions


def filter_conditions(window_filter: WindowFilter) -> list[ColumnElement[bool]]:
    location: ColumnElement[bool] | None = None
    if window_filter.no_location:
        location = ActivityEntry.location_id.is_(None)
    elif window_filter.location_id is not None:
        location = ActivityEntry.location_id == window_filter.location_id
    conditions = _type_status_location(
        window_filter, ActivityEntry.type, ActivityEntry.status, location
    )
    if window_filter.has_notes is HasNotes.YES:
        conditions.append(ActivityEntry.has_notes.is_(True))
    elif window_filter.has_notes is HasNotes.NO:
        conditions.append(ActivityEntry.has_notes.is_(False))
    return conditions


def selection(viewer: Viewer, window_filter: WindowFilter, now: datetime) -> ColumnElement[bool]:
    """The entries a viewer sees in the window with this filter.

    "If the Online Activity entries are filtered, any mass actions taken on
    them will apply ONLY to the filtered entries": bulk actions select with
    this same condition.
    """
    return and_(visible_to(viewer), in_window(now), *filter_conditions(window_filter))


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    order: SortOrder = SortOrder.OLDEST_FIRST

    def checked(self) -> tuple[int, bool, Cursor | None]:
        """(page size, reading backwards?, cursor), or the problems with them."""
        problems: list[Problem] = []
        if self.first is not None and self.last is not None:
            problems.append(
                Problem("CONTRADICTORY_ARGUMENTS", "pass first or last, not both", ("last",))
            )
        if self.after is not None and self.before is not None:
            problems.append(
                Problem("CONTRADICTORY_ARGUMENTS", "pass after or before, not both", ("before",))
            )
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and size < 0:
                problems.append(Problem("INVALID_PAGE_SIZE", f"{name} cannot be negative", (name,)))
            if size is not None and size > MAX_PAGE_SIZE:
                problems.append(
                    Problem(
                        "PAGE_SIZE_TOO_LARGE",
                        f"{name} is {size}; at most {MAX_PAGE_SIZE} entries fit on a page",
                        (name,),
                    )
                )
        if problems:
            raise InvalidRequest(problems)
        backwards = self.last is not None or (self.before is not None and self.first is None)
        size = self.last if self.last is not None else self.first
        if size is None:
            size = DEFAULT_PAGE_SIZE
        cursor: Cursor | None = None
        if self.after is not None:
            cursor = decode(self.after, field="after")
        elif self.before is not None:
            cursor = decode(self.before, field="before")
        return size, backwards, cursor


@dataclass(frozen=True)
class WindowPage:
    entries: list[ActivityEntry]
    has_next_page: bool
    has_previous_page: bool
    size: int
    # Offset of the first entry of the page in the whole filtered list, when
    # it is known without counting (first page, page cursors).
    offset: int | None


def _sort_key() -> ColumnElement[tuple[datetime, int]]:
    return tuple_(ActivityEntry.occurred_at, ActivityEntry.id)


async def _key_at_offset(
    session: AsyncSession, condition: ColumnElement[bool], order: SortOrder, offset: int
) -> KeysetCursor | None:
    """The sort key of the row at ``offset``: an index-only walk of keys."""
    ascending = order is SortOrder.OLDEST_FIRST
    columns = (ActivityEntry.occurred_at, ActivityEntry.id)
    row = (
        await session.execute(
            select(*columns)
            .where(condition)
            .order_by(*(c.asc() if ascending else c.desc() for c in columns))
            .offset(offset)
            .limit(1)
        )
    ).first()
    return None if row is None else KeysetCursor(occurred_at=row[0], entry_id=row[1])


async def fetch_page(
    session: AsyncSession,
    viewer: Viewer,
    window_filter: WindowFilter,
    request: PageRequest,
    now: datetime,
) -> WindowPage:
    window_filter.validate()
    size, backwards, cursor = request.checked()
    condition = selection(viewer, window_filter, now)
    ascending = request.order is SortOrder.OLDEST_FIRST
    offset: int | None = 0 if cursor is None and not backwards else None

    key: KeysetCursor | None = None
    if isinstance(cursor, OffsetCursor):
        offset = cursor.offset if not backwards else None
        if backwards:
            # ``before`` an offset: the page ends just before that row.
            start = max(cursor.offset - size, 0)
            size = cursor.offset - start
            backwards, offset = False, start
        key = await _key_at_offset(session, condition, request.order, offset) if offset else None
        if offset and key is None:
            return WindowPage([], False, offset > 0, size, offset)
        inclusive = True
    else:
        key = cursor
        inclusive = False

    # Reading forward in display order means ascending keys for oldest-first.
    forward_keys = ascending != backwards
    page_query = select(ActivityEntry).where(condition)
    if key is not None:
        bound = (key.occurred_at, key.entry_id)
        if forward_keys:
            page_query = page_query.where(_sort_key() >= bound if inclusive else _sort_key() > bound)
        else:
            page_query = page_query.where(_sort_key() <= bound if inclusive else _sort_key() < bound)
    direction = (c.asc() if forward_keys else c.desc() for c in (ActivityEntry.occurred_at, ActivityEntry.id))
    rows = list(await session.scalars(page_query.order_by(*direction).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        return WindowPage(rows, key is not None, more, size, None)
    return WindowPage(rows, more, key is not None, size, offset)


async def count_matching(
    session: AsyncSession, viewer: Viewer, window_filter: WindowFilter, now: datetime
) -> int:
    """How many entries match: from the counters, less open entries already
    past the 90 days that the purge has not yet expired."""
    if window_filter.has_notes is not HasNotes.BOTH:
        total = await session.scalar(
            select(func.count()).select_from(ActivityEntry).where(
                selection(viewer, window_filter, now)
            )
        )
        return int(total or 0)
    counted = await session.scalar(
        select(func.coalesce(func.sum(ActivityCounter.open_count), 0)).where(
            *counter_conditions(viewer, window_filter)
        )
    )
    stale = await session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(
            visible_to(viewer),
            ActivityEntry.resolution.is_(None),
            ActivityEntry.occurred_at < window_cutoff(now),
            *filter_conditions(window_filter),
        )
    )
    return int(counted or 0) - int(stale or 0)


def counter_conditions(viewer: Viewer, window_filter: WindowFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [ActivityCounter.organisation_id == viewer.organisation_id]
    if viewer.location_ids is not None:
        conditions.append(ActivityCounter.location_key.in_([0, *sorted(viewer.location_ids)]))
    location: ColumnElement[bool] | None = None
    if window_filter.no_location:
        location = ActivityCounter.location_key == 0
    elif window_filter.location_id is not None:
        location = ActivityCounter.location_key == window_filter.location_id
    conditions += _type_status_location(
        window_filter, ActivityCounter.type, ActivityCounter.status, location
    )
    return conditions


async def count_before(
    session: AsyncSession,
    viewer: Viewer,
    window_filter: WindowFilter,
    order: SortOrder,
    entry: ActivityEntry,
    now: datetime,
) -> int:
    """Position of ``entry`` in the filtered list (to number the current page)."""
    bound = (entry.occurred_at, entry.id)
    before = _sort_key() < bound if order is SortOrder.OLDEST_FIRST else _sort_key() > bound
    total = await session.scalar(
        select(func.count()).select_from(ActivityEntry).where(
            selection(viewer, window_filter, now), before
        )
    )
    return int(total or 0)


def location_is_known(viewer: Viewer, location_id: int) -> ColumnElement[bool]:
    return true() if viewer.sees_location(location_id) else false()
