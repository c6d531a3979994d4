"""Reading the window: the page, its counts and page numbers, the badge."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import window as domain_window
from domain import window_counts
from domain.badges import BadgeReading, read_badge
from domain.cursors import encode_offset
from domain.errors import InvalidRequest
from domain.vocabulary import ActivityType
from models import ActivityEntry
from resolvers.context import Deferred, RequestContext

AROUND_PAGES = 5


@dataclass
class WindowQuery:
    """What produced a page, kept to answer count and page-number fields."""

    filter: domain_window.WindowFilter
    order: domain_window.SortOrder
    page: domain_window.WindowPage
    # The clock of the request, so the 90 days end at the same instant for
    # the page and its counts.
    now: datetime
    # Counted once per connection, shared by fields resolved concurrently.
    total: asyncio.Future[int] | None = None
    number: asyncio.Future[int] | None = None


@dataclass(frozen=True)
class NumberedPage:
    """A page to jump to: its cursor is passed as ``after`` with the same size."""

    cursor: str
    page: int
    is_current: bool


@dataclass(frozen=True)
class PageJumps:
    """Artsy's pageCursors: pages around the current one, the ends, the previous."""

    first: NumberedPage | None
    around: list[NumberedPage]
    last: NumberedPage | None
    previous: NumberedPage | None


async def online_activity(
    context: RequestContext,
    filter: Deferred[domain_window.WindowFilter],
    order: domain_window.SortOrder,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> WindowQuery | InvalidRequest:
    viewer = context.require_viewer()
    now = context.now()
    try:
        parsed = filter()
        request = domain_window.PageRequest(
            first=first, after=after, last=last, before=before, order=order
        )
        async with context.read() as session:
            if parsed.location_id is not None and not await domain_window.location_in_scope(
                session, viewer, parsed.location_id
            ):
                raise domain_window.location_not_found()
            page = await domain_window.fetch_page(session, viewer, parsed, request, now)
    except InvalidRequest as refused:
        return refused
    return WindowQuery(filter=parsed, order=order, page=page, now=now)


async def total_count(context: RequestContext, query: WindowQuery) -> int:
    """Entries matching the filter; counted once per connection even when
    totalCount, pageCount and pageCursors resolve concurrently."""
    if query.total is None:

        async def count() -> int:
            async with context.read() as session:
                return await window_counts.count_matching(
                    session, context.require_viewer(), query.filter, query.now
                )

        query.total = asyncio.ensure_future(count())
    return await query.total


async def _page_offset(context: RequestContext, query: WindowQuery) -> int:
    page = query.page
    if page.offset is not None:
        return page.offset
    if not page.entries:
        return 0 if page.backwards else await total_count(context, query)
    if page.backwards and not page.has_next_page:
        # The final entries (``last`` alone): placed from the counted total,
        # without counting the rows before them.
        return await total_count(context, query) - len(page.entries)
    async with context.read() as session:
        return await domain_window.count_before(
            session,
            context.require_viewer(),
            query.filter,
            query.order,
            page.entries[0],
            query.now,
        )


async def page_number(context: RequestContext, query: WindowQuery) -> int:
    """The page the entries fall on at this page size: counted from the start
    when reading forward, and by the page's last entry when reading backward
    (``last`` pages end at the cursor, so they are aligned from the end)."""
    if query.number is None:
        page = query.page
        size = page.size or 1

        async def number() -> int:
            offset = await _page_offset(context, query)
            if page.backwards and page.entries:
                return -(-(offset + len(page.entries)) // size)
            return offset // size + 1

        query.number = asyncio.ensure_future(number())
    return await query.number


async def page_count(context: RequestContext, query: WindowQuery) -> int:
    size = query.page.size
    return max(1, -(-await total_count(context, query) // size)) if size else 1


def _cursor_for(page: int, size: int, current: int) -> NumberedPage:
    return NumberedPage(
        cursor=encode_offset((page - 1) * size), page=page, is_current=page == current
    )


async def page_cursors(context: RequestContext, query: WindowQuery) -> PageJumps:
    """Artsy's pageCursors: up to five pages around the current one, plus the
    first and last when they are not among them, and the previous page."""
    size = query.page.size or 1
    pages = await page_count(context, query)
    current = min(await page_number(context, query), pages)
    start = max(1, min(current - AROUND_PAGES // 2, pages - AROUND_PAGES + 1))
    around = [
        _cursor_for(p, size, current)
        for p in range(start, min(pages, start + AROUND_PAGES - 1) + 1)
    ]
    return PageJumps(
        first=_cursor_for(1, size, current) if start > 1 else None,
        around=around,
        last=_cursor_for(pages, size, current) if around[-1].page < pages else None,
        previous=_cursor_for(current - 1, size, current) if current > 1 else None,
    )


async def page_cursor(
    context: RequestContext, query: WindowQuery, page: int
) -> NumberedPage | None:
    """The cursor of page ``page`` ("the page number can be changed by typing
    in the white box"); null past the last page."""
    size = query.page.size or 1
    pages = await page_count(context, query)
    if page < 1 or page > pages:
        return None
    return _cursor_for(page, size, await page_number(context, query))


async def activity_badge(context: RequestContext) -> window_counts.Badge:
    """The badge on the Online Activity icon, from the maintained counters
    (kept per organisation until its next change: ``domain.badges``)."""
    viewer = context.require_viewer()
    now = context.now()

    async def read() -> BadgeReading:
        async with context.read() as session:
            return await read_badge(session, viewer, now)

    return await context.services.badges.badge(viewer, now, read)


async def activity_counts(context: RequestContext) -> Sequence[window_counts.TypeStatusCount]:
    """Open entries per type and status, for the dashboard's list widgets."""
    viewer = context.require_viewer()
    async with context.read() as session:
        return await window_counts.counts_by_type_and_status(session, viewer, context.now())


async def node(
    context: RequestContext, entry_id: int | None, activity_type: ActivityType | None
) -> ActivityEntry | None:
    """Any entry by global id, inside the caller's organisation and locations;
    anything else, including entries of other tenants, is simply null."""
    viewer = context.require_viewer()
    if activity_type is None or entry_id is None:
        return None
    async with context.read() as session:
        return await domain_window.visible_entry(
            session, viewer, entry_id, activity_type, context.now()
        )
