"""Reading the window: the connection, its counts and page numbers, the badge."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import strawberry
from strawberry import relay

from domain import window as domain_window
from domain import window_counts
from domain.badges import BadgeReading, read_badge
from domain.cursors import encode_offset
from domain.errors import InvalidRequest
from domain.vocabulary import ActivityType as DomainActivityType
from domain.window_filter import WindowFilterErrorCode
from schema.context import Context
from schema.entries import TYPE_FOR_OBJECT_NAME, entry_object
from schema.errors import InvalidArguments
from schema.window import (
    ActivityBadge,
    ActivityConnection,
    ActivityCount,
    ActivityEdge,
    ActivityFilter,
    PageCursor,
    PageCursors,
    PageInfo,
    WindowQuery,
    entry_cursor,
)

AROUND_PAGES = 5


def _context(info: strawberry.Info) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


_DATABASE_ID = re.compile(r"[0-9]{1,18}")


def parse_id(raw: str, *, field: tuple[str, ...]) -> int:
    """A location id: our global ID (``Location.id``), or the bare number."""
    node_id = raw
    try:
        global_id = relay.GlobalID.from_id(raw)
    except ValueError:
        pass
    else:
        node_id = global_id.node_id if global_id.type_name == "Location" else ""
    if _DATABASE_ID.fullmatch(node_id):
        return int(node_id)
    raise InvalidRequest.one(WindowFilterErrorCode.NOT_FOUND, "no such location", *field)


def window_filter(
    raw: ActivityFilter | None, *, field: tuple[str, ...] = ("filter",)
) -> domain_window.WindowFilter:
    """Translate the GraphQL filter; shared by the query and the bulk actions."""
    if raw is None:
        return domain_window.WindowFilter()
    location_id: int | None = None
    no_location = False
    if raw.location is not None:
        if raw.location.location_id is not None:
            location_id = parse_id(
                str(raw.location.location_id.value), field=(*field, "location", "locationId")
            )
        if raw.location.no_location is not None:
            if raw.location.no_location.value is not True:
                raise InvalidRequest.one(
                    WindowFilterErrorCode.INVALID_FILTER,
                    "noLocation must be true; omit location for all locations",
                    *field,
                    "location",
                    "noLocation",
                )
            no_location = True
    return domain_window.WindowFilter(
        types=None if raw.types is None else frozenset(DomainActivityType(t) for t in raw.types),
        has_notes=domain_window.HasNotes(raw.has_notes),
        status=domain_window.StatusFilter(raw.status),
        location_id=location_id,
        no_location=no_location,
    )


async def online_activity(
    info: strawberry.Info,
    filter: ActivityFilter | None,
    order: domain_window.SortOrder,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> ActivityConnection | InvalidArguments:
    context = _context(info)
    viewer = context.require_viewer()
    now = context.now()
    try:
        parsed = window_filter(filter)
        request = domain_window.PageRequest(
            first=first, after=after, last=last, before=before, order=order
        )
        async with context.reads_for(info) as session:
            if parsed.location_id is not None and not await domain_window.location_in_scope(
                session, viewer, parsed.location_id
            ):
                # Unknown, another tenant's, or outside the viewer's locations:
                # not yours looks exactly like not found.
                raise InvalidRequest.one(
                    WindowFilterErrorCode.NOT_FOUND,
                    "no such location",
                    "filter",
                    "location",
                    "locationId",
                )
            page = await domain_window.fetch_page(session, viewer, parsed, request, now)
    except InvalidRequest as refused:
        return InvalidArguments.from_problems(refused.problems)
    context.loaders.prime(page.locations, page.families, page.organisation)
    edges = [ActivityEdge(cursor=entry_cursor(row), node=entry_object(row)) for row in page.entries]
    return ActivityConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=WindowQuery(filter=parsed, order=order, page=page, now=now),
        sequence=page.sequence,
    )


async def total_count(info: strawberry.Info, query: WindowQuery) -> int:
    """Entries matching the filter; counted once per connection even when
    totalCount, pageCount and pageCursors resolve concurrently."""
    if query.total is None:
        context = _context(info)

        async def count() -> int:
            async with context.reads_for(info) as session:
                return await window_counts.count_matching(
                    session, context.require_viewer(), query.filter, query.now
                )

        query.total = asyncio.ensure_future(count())
    return await query.total


async def _page_offset(info: strawberry.Info, query: WindowQuery) -> int:
    page = query.page
    if page.offset is not None:
        return page.offset
    if not page.entries:
        return 0 if page.backwards else await total_count(info, query)
    if page.backwards and not page.has_next_page:
        # The final entries (``last`` alone): placed from the counted total,
        # without counting the rows before them.
        return await total_count(info, query) - len(page.entries)
    context = _context(info)
    async with context.reads_for(info) as session:
        return await domain_window.count_before(
            session,
            context.require_viewer(),
            query.filter,
            query.order,
            page.entries[0],
            query.now,
        )


async def page_number(info: strawberry.Info, query: WindowQuery) -> int:
    """The page the entries fall on at this page size: counted from the start
    when reading forward, and by the page's last entry when reading backward
    (``last`` pages end at the cursor, so they are aligned from the end)."""
    if query.number is None:
        page = query.page
        size = page.size or 1

        async def number() -> int:
            offset = await _page_offset(info, query)
            if page.backwards and page.entries:
                return -(-(offset + len(page.entries)) // size)
            return offset // size + 1

        query.number = asyncio.ensure_future(number())
    return await query.number


async def page_count(info: strawberry.Info, query: WindowQuery) -> int:
    size = query.page.size
    return max(1, -(-await total_count(info, query) // size)) if size else 1


def _cursor_for(page: int, size: int, current: int) -> PageCursor:
    return PageCursor(
        cursor=encode_offset((page - 1) * size), page=page, is_current=page == current
    )


async def page_cursors(info: strawberry.Info, query: WindowQuery) -> PageCursors:
    """Artsy's pageCursors: up to five pages around the current one, plus the
    first and last when they are not among them, and the previous page."""
    size = query.page.size or 1
    pages = await page_count(info, query)
    current = min(await page_number(info, query), pages)
    start = max(1, min(current - AROUND_PAGES // 2, pages - AROUND_PAGES + 1))
    around = [
        _cursor_for(p, size, current)
        for p in range(start, min(pages, start + AROUND_PAGES - 1) + 1)
    ]
    return PageCursors(
        first=_cursor_for(1, size, current) if start > 1 else None,
        around=around,
        last=_cursor_for(pages, size, current) if around[-1].page < pages else None,
        previous=_cursor_for(current - 1, size, current) if current > 1 else None,
    )


async def page_cursor(info: strawberry.Info, query: WindowQuery, page: int) -> PageCursor | None:
    """The cursor of page ``page`` ("the page number can be changed by typing
    in the white box"); null past the last page."""
    size = query.page.size or 1
    pages = await page_count(info, query)
    if page < 1 or page > pages:
        return None
    return _cursor_for(page, size, await page_number(info, query))


async def activity_badge(info: strawberry.Info) -> ActivityBadge:
    """The badge on the Online Activity icon, from the maintained counters
    (kept per organisation until its next change: ``domain.badges``)."""
    context = _context(info)
    viewer = context.require_viewer()
    now = context.now()

    async def read() -> BadgeReading:
        async with context.reads_for(info) as session:
            return await read_badge(session, viewer, now)

    badge = await context.services.badges.badge(viewer, now, read)
    return ActivityBadge(waiting=badge.waiting, pending=badge.pending)


async def activity_counts(info: strawberry.Info) -> list[ActivityCount]:
    """Open entries per type and status, for the dashboard's list widgets."""
    context = _context(info)
    viewer = context.require_viewer()
    async with context.reads_for(info) as session:
        counts = await window_counts.counts_by_type_and_status(session, viewer, context.now())
    return [ActivityCount(type=c.type, status=c.status, count=c.count) for c in counts]


async def node(info: strawberry.Info, id: relay.GlobalID) -> Any:
    """Any entry by global id, inside the caller's organisation and locations;
    anything else, including entries of other tenants, is simply null."""
    context = _context(info)
    viewer = context.require_viewer()
    activity_type = TYPE_FOR_OBJECT_NAME.get(id.type_name)
    if activity_type is None or not _DATABASE_ID.fullmatch(id.node_id):
        return None
    async with context.reads_for(info) as session:
        row = await domain_window.visible_entry(
            session, viewer, int(id.node_id), activity_type, context.now()
        )
    return None if row is None else entry_object(row)
