"""The Online Activity window: which entries a viewer sees, filtered and paged.

"The default filters are all Types of notifications with the 10
notifications per page sorted from oldest (at the top) to newest (at the
end). Results can be filtered by type, pending or approved status, or whether
or not there are notes". "Online Activity data is accessible for a maximum of
90 days from the Online Activity window."

Pages are read by keyset on ``(occurred_at, id)``, never by OFFSET scans of
rows; counts (``domain.window_counts``) come from the maintained counters
where the filter allows. The filter itself is written once, in
``domain.window_filter``; its SQL here is derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import UnaryExpression

from domain.cursors import Cursor, KeysetCursor, OffsetCursor, PageErrorCode, decode
from domain.errors import InvalidRequest, Problem
from domain.journal import current_sequence
from domain.viewer import Viewer
from domain.vocabulary import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    WINDOW_RETENTION_DAYS,
    ActivityType,
)
from domain.window_filter import ENTRY_COLUMNS, WindowFilterErrorCode, WindowMatch

# The filter lives in ``domain.window_filter``; the window's readers keep
# importing it from here.
from domain.window_filter import HasNotes as HasNotes
from domain.window_filter import StatusFilter as StatusFilter
from domain.window_filter import WindowFilter as WindowFilter
from domain.window_keys import (
    EMPTY,
    KeyBound,
    earliest_admitted,
    lower_bound,
    short_of,
    upper_bound,
)
from domain.window_rows import (
    ENTRY_READ_COLUMNS,
    FAMILY_READ_COLUMNS,
    LOCATION_READ_COLUMNS,
    ORGANISATION_READ_COLUMNS,
    EntryRead,
    FamilyRead,
    LocationRead,
    OrganisationRead,
    WindowEntry,
)
from models import ActivityEntry, Family, Location, Organisation


class SortOrder(StrEnum):
    OLDEST_FIRST = "OLDEST_FIRST"
    NEWEST_FIRST = "NEWEST_FIRST"


def window_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=WINDOW_RETENTION_DAYS)


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Tenant and location scope: every read and bulk selection starts here."""
    return and_(*WindowMatch.of(viewer).scope_conditions(ENTRY_COLUMNS))


def in_window(now: datetime) -> ColumnElement[bool]:
    return _open_since(window_cutoff(now))


def _open_since(since: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Still waiting, and recorded since ``since``."""
    return and_(ActivityEntry.resolution.is_(None), ActivityEntry.occurred_at >= since)


def selection(viewer: Viewer, window_filter: WindowFilter, now: datetime) -> ColumnElement[bool]:
    """The entries a viewer sees in the window with this filter.

    "If the Online Activity entries are filtered, any mass actions taken on
    them will apply ONLY to the filtered entries": bulk actions select with
    this same condition.
    """
    return _selected_since(viewer, window_filter, window_cutoff(now))


def _selected_since(
    viewer: Viewer, window_filter: WindowFilter, since: datetime
) -> ColumnElement[bool]:
    return _matched_since(WindowMatch.of(viewer, window_filter), since)


def _matched_since(
    match: WindowMatch, since: datetime | BindParameter[datetime]
) -> ColumnElement[bool]:
    return and_(
        *match.scope_conditions(ENTRY_COLUMNS),
        _open_since(since),
        *match.filter_conditions(ENTRY_COLUMNS),
    )


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    order: SortOrder = SortOrder.OLDEST_FIRST

    def checked(self) -> tuple[int, bool, Cursor | None, Cursor | None]:
        """(page size, reading backwards?, after, before), or every problem with them."""
        problems: list[Problem] = []
        if self.first is not None and self.last is not None:
            problems.append(
                Problem(
                    PageErrorCode.CONTRADICTORY_ARGUMENTS, "pass first or last, not both", ("last",)
                )
            )
        if self.after is not None and self.before is not None:
            problems.append(
                Problem(
                    PageErrorCode.CONTRADICTORY_ARGUMENTS,
                    "pass after or before, not both",
                    ("before",),
                )
            )
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and size < 0:
                problems.append(
                    Problem(PageErrorCode.INVALID_PAGE_SIZE, f"{name} cannot be negative", (name,))
                )
            if size is not None and size > MAX_PAGE_SIZE:
                problems.append(
                    Problem(
                        PageErrorCode.PAGE_SIZE_TOO_LARGE,
                        f"{name} is {size}; at most {MAX_PAGE_SIZE} entries fit on a page",
                        (name,),
                    )
                )
        cursors: dict[str, Cursor | None] = {}
        for name, raw in (("after", self.after), ("before", self.before)):
            try:
                cursors[name] = None if raw is None else decode(raw, field=name)
            except InvalidRequest as refused:
                problems.extend(refused.problems)
        if problems:
            raise InvalidRequest(problems)
        backwards = self.last is not None or (self.before is not None and self.first is None)
        size = self.last if self.last is not None else self.first
        if size is None:
            size = DEFAULT_PAGE_SIZE
        return size, backwards, cursors["after"], cursors["before"]


@dataclass(frozen=True)
class WindowPage:
    entries: list[EntryRead]
    has_next_page: bool
    has_previous_page: bool
    # The page size asked for (not the number of entries on this page).
    size: int
    # Offset of the first entry of the page in the whole filtered list, when
    # it is known without counting (first page, page cursors).
    offset: int | None
    # Read with ``last``: the page ends where the cursor (or the list) ends.
    backwards: bool = False
    # The organisation's sequence number as of this page (``current_sequence``).
    sequence: int = 0
    # The page's locations and families and the organisation's row (its
    # settings), read with it.
    locations: dict[int, LocationRead] = field(default_factory=dict)
    families: dict[int, FamilyRead] = field(default_factory=dict)
    organisation: OrganisationRead | None = None


def _bounded(
    viewer: Viewer, window_filter: WindowFilter, now: datetime, *bounds: KeyBound
) -> ColumnElement[bool]:
    """``selection`` inside the keyset bounds, its cutoff raised to where the
    bounds start (the same rows; see ``domain.window_keys``)."""
    since = earliest_admitted(window_cutoff(now), list(bounds))
    return and_(
        _selected_since(viewer, window_filter, since), *(bound.condition() for bound in bounds)
    )


async def _exists(session: AsyncSession, condition: ColumnElement[bool]) -> bool:
    found = await session.scalar(select(ActivityEntry.id).where(condition).limit(1))
    return found is not None


async def fetch_page(
    session: AsyncSession,
    viewer: Viewer,
    window_filter: WindowFilter,
    request: PageRequest,
    now: datetime,
) -> WindowPage:
    """One page of the window by keyset on ``(occurred_at, id)``.

    ``first``/``after`` read forward from the cursor, ``last``/``before``
    read backward to it (``last`` alone: the final entries); a page cursor
    (an offset) is turned into a key by an index-only lookup, then read by
    keyset like any other cursor.
    """
    window_filter.validate()
    size, backwards, after, before = request.checked()
    order = request.order
    ascending = order is SortOrder.OLDEST_FIRST
    lower = upper = None
    if after is not None or before is not None:
        # Built only for a cursor: a first page's statement is made once.
        condition = selection(viewer, window_filter, now)
        if after is not None:
            lower = await lower_bound(session, condition, ascending, after)
        if before is not None:
            upper = await upper_bound(session, condition, ascending, before)

    if lower is EMPTY or upper is EMPTY:
        # A page cursor past the end (or before the start): nothing there.
        sequence = await current_sequence(session, viewer.organisation_id)
        has_rows = await _exists(session, selection(viewer, window_filter, now))
        return WindowPage(
            [],
            has_rows and upper is EMPTY,
            has_rows and lower is EMPTY,
            size,
            None,
            backwards,
            sequence,
        )
    bounds = [bound for bound in (lower, upper) if bound is not None]
    # Reading forward in display order means ascending keys for oldest-first.
    forward_keys = ascending != backwards
    # Columns only: the rows need none of the ORM's loading.
    if bounds:
        statement = _page_statement(
            viewer.organisation_id,
            _bounded(viewer, window_filter, now, *bounds),
            forward_keys,
            size,
        )
        read = await session.execute(statement)
    else:
        statement = _unbounded_page(WindowMatch.of(viewer, window_filter), forward_keys, size)
        read = await session.execute(statement, {_SINCE: window_cutoff(now)})
    organisation: OrganisationRead | None = None
    rows: list[EntryRead] = []
    locations: dict[int, LocationRead] = {}
    families: dict[int, FamilyRead] = {}
    for row in read:
        if organisation is None:
            organisation = OrganisationRead._make(row[:_ENTRY])
        if row[_ENTRY] is not None:
            rows.append(EntryRead._make(row[_ENTRY:_LOCATION]))
        location_id, family_id = row[_LOCATION], row[_FAMILY]
        if location_id is not None and location_id not in locations:
            locations[location_id] = LocationRead._make(row[_LOCATION:_FAMILY])
        if family_id is not None and family_id not in families:
            families[family_id] = FamilyRead._make(row[_FAMILY:])
    sequence = 0 if organisation is None else organisation.activity_seq
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_next = upper is not None and await _exists(
            session, _bounded(viewer, window_filter, now, upper.negated())
        )
        offset = None
        if isinstance(before, OffsetCursor) and upper is not None:
            offset = before.offset - len(rows)
        return WindowPage(
            rows, has_next, more, size, offset, True, sequence, locations, families, organisation
        )
    has_previous = lower is not None and await _exists(
        session, _bounded(viewer, window_filter, now, lower.negated())
    )
    offset = 0 if after is None else (after.offset if isinstance(after, OffsetCursor) else None)
    return WindowPage(
        rows, more, has_previous, size, offset, False, sequence, locations, families, organisation
    )


# Where the entry, its location and its family start in a page
# statement's rows: after the organisation's columns, in this order.
_ENTRY = len(ORGANISATION_READ_COLUMNS)
_LOCATION = _ENTRY + len(ENTRY_READ_COLUMNS)
_FAMILY = _LOCATION + len(LOCATION_READ_COLUMNS)


_PAGE: Final = "page"
# The page subquery's columns as the outer statement names them: made once.
# A subquery's ``.c`` builds a proxy of every column (and its foreign keys)
# each time it is read, a tenth of a window request's server time
# (py-spy, BENCHMARKS.md figure 1); these carry the same names and types.
_PAGE_COLUMNS: Final = [
    literal_column(f"{_PAGE}.{column.name}", type_=column.type)
    for column in select(*ENTRY_READ_COLUMNS).subquery(_PAGE).c
]
_PAGE_ENTRY = dict(zip(EntryRead._fields, _PAGE_COLUMNS, strict=True))


_SINCE: Final = "window_since"


@lru_cache(maxsize=128)
def _unbounded_page(match: WindowMatch, forward_keys: bool, size: int) -> Select[Any]:
    """A page with no cursor (the first page, or the last with ``last``):
    the same statement as ``_page_statement`` builds, made once per scope,
    filter, direction and size, the window's cutoff a parameter
    (``_SINCE``) given when it runs. Building it was a fifth of a window
    request's server time; the rows it reads are read anew every time."""
    since = bindparam(_SINCE, type_=ActivityEntry.occurred_at.type)
    return _page_statement(match.organisation_id, _matched_since(match, since), forward_keys, size)


def _page_statement(
    organisation_id: int, condition: ColumnElement[bool], forward_keys: bool, size: int
) -> Select[Any]:
    """A page's entries (one more than ``size``, to know whether more
    follow) with their locations and families and the organisation's
    sequence number, in one statement and so from one snapshot (issue 12:
    "one SQL statement per page instead of several"). The organisation
    drives it, so an empty page still brings the sequence number, and its
    row (the settings the drop fields read) comes along. The entries are
    read as columns (``domain.window_rows``), not ORM objects; a location
    or family of another organisation stays NULL, as before."""

    def keys(*columns: ColumnElement[Any] | QueryableAttribute[Any]) -> list[UnaryExpression[Any]]:
        return [c.asc() if forward_keys else c.desc() for c in columns]

    page = (
        select(*ENTRY_READ_COLUMNS)
        .where(condition)
        .order_by(*keys(ActivityEntry.occurred_at, ActivityEntry.id))
        .limit(size + 1)
        .subquery(_PAGE)
    )
    entry = _PAGE_ENTRY
    org = organisation_id
    return (
        select(
            *ORGANISATION_READ_COLUMNS, *_PAGE_COLUMNS, *LOCATION_READ_COLUMNS, *FAMILY_READ_COLUMNS
        )
        .select_from(Organisation)
        .outerjoin(page, true())
        .outerjoin(
            Location, and_(Location.id == entry["location_id"], Location.organisation_id == org)
        )
        .outerjoin(Family, and_(Family.id == entry["family_id"], Family.organisation_id == org))
        .where(Organisation.id == org)
        .order_by(*keys(entry["occurred_at"], entry["id"]))
    )


async def count_before(
    session: AsyncSession,
    viewer: Viewer,
    window_filter: WindowFilter,
    order: SortOrder,
    entry: WindowEntry,
    now: datetime,
) -> int:
    """Position of ``entry`` in the filtered list (to number the current page)."""
    key = KeysetCursor(occurred_at=entry.occurred_at, entry_id=entry.id)
    before = short_of(key, ascending=order is SortOrder.OLDEST_FIRST)
    total = await session.scalar(
        select(func.count())
        .select_from(ActivityEntry)
        .where(_bounded(viewer, window_filter, now, before))
    )
    return int(total or 0)


async def location_in_scope(session: AsyncSession, viewer: Viewer, location_id: int) -> bool:
    """A location of the viewer's organisation that the viewer may see; any
    other (unknown, another tenant's, outside their locations) is not found."""
    if not viewer.sees_location(location_id):
        return False
    found = await session.scalar(
        select(Location.id).where(
            Location.id == location_id, Location.organisation_id == viewer.organisation_id
        )
    )
    return found is not None


def location_not_found() -> InvalidRequest:
    """The filter's location is unknown, another tenant's or outside the
    viewer's locations: not yours looks exactly like not found."""
    return InvalidRequest.one(
        WindowFilterErrorCode.NOT_FOUND, "no such location", "filter", "location", "locationId"
    )


async def visible_entry(
    session: AsyncSession, viewer: Viewer, entry_id: int, activity_type: ActivityType, now: datetime
) -> ActivityEntry | None:
    """An entry of the window by id: inside the viewer's organisation and
    locations, the 90 days, and still waiting. Anything else is simply None:
    another tenant's entry, and an entry that has left the window (approved,
    denied, dismissed...: "Online Activity data (whether approved, denied, or
    dismissed) can be accessed through the iClassPro Audit Log"), which is
    never served as waiting."""
    found: ActivityEntry | None = await session.scalar(
        select(ActivityEntry).where(
            ActivityEntry.id == entry_id,
            ActivityEntry.type == activity_type.value,
            visible_to(viewer),
            in_window(now),
        )
    )
    return found
