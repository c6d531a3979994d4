"""Reading the window: the connection, its counts and page numbers, the badge."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry import relay

from domain import window as domain_window
from domain.cursors import encode_offset
from domain.errors import InvalidRequest
from domain.vocabulary import ActivityType, WindowStatus
from models import ActivityCounter, ActivityEntry
from schema.activity import TYPE_FOR_OBJECT_NAME, entry_object
from schema.context import Context
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


def parse_id(raw: str, *, field: tuple[str, ...]) -> int:
    """A location id: our global ID, or the bare number."""
    try:
        global_id = relay.GlobalID.from_id(raw)
        if global_id.type_name == "Location":
            return int(global_id.node_id)
    except (ValueError, TypeError):
        pass
    if raw.isdigit():
        return int(raw)
    raise InvalidRequest.one("NOT_FOUND", "no such location", *field)


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
                    "INVALID_FILTER",
                    "noLocation must be true; omit location for all locations",
                    *field,
                    "location",
                    "noLocation",
                )
            no_location = True
    return domain_window.WindowFilter(
        types=None if raw.types is None else frozenset(ActivityType(t) for t in raw.types),
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
    try:
        parsed = window_filter(filter)
        if parsed.location_id is not None and not viewer.sees_location(parsed.location_id):
            # Not yours looks exactly like not found.
            raise InvalidRequest.one(
                "NOT_FOUND", "no such location", "filter", "location", "locationId"
            )
        request = domain_window.PageRequest(
            first=first, after=after, last=last, before=before, order=order
        )
        async with context.services.database.read() as session:
            page = await domain_window.fetch_page(
                session, viewer, parsed, request, context.now()
            )
    except InvalidRequest as refused:
        return InvalidArguments.from_problems(refused.problems)
    edges = [ActivityEdge(cursor=entry_cursor(row), node=entry_object(row)) for row in page.entries]
    return ActivityConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        query=WindowQuery(filter=parsed, order=order, page=page),
    )


async def total_count(info: strawberry.Info, query: WindowQuery) -> int:
    context = _context(info)
    cache: dict[int, int] = context.__dict__.setdefault("_total_counts", {})
    if id(query) not in cache:
        async with context.services.database.read() as session:
            cache[id(query)] = await domain_window.count_matching(
                session, context.require_viewer(), query.filter, context.now()
            )
    return cache[id(query)]


async def _page_offset(info: strawberry.Info, query: WindowQuery) -> int:
    page = query.page
    if page.offset is not None:
        return page.offset
    if not page.entries:
        return await total_count(info, query)
    context = _context(info)
    async with context.services.database.read() as session:
        return await domain_window.count_before(
            session,
            context.require_viewer(),
            query.filter,
            query.order,
            page.entries[0],
            context.now(),
        )


async def page_number(info: strawberry.Info, query: WindowQuery) -> int:
    size = query.page.size or 1
    return await _page_offset(info, query) // size + 1


def _cursor_for(page: int, size: int, current: int) -> PageCursor:
    return PageCursor(cursor=encode_offset((page - 1) * size), page=page, is_current=page == current)


async def page_cursors(info: strawberry.Info, query: WindowQuery) -> PageCursors:
    size = query.page.size or 1
    total = await total_count(info, query)
    pages = max(1, -(-total // size))
    current = min(await page_number(info, query), pages)
    start = max(1, min(current - AROUND_PAGES // 2, pages - AROUND_PAGES + 1))
    around = [_cursor_for(p, size, current) for p in range(start, min(pages, start + AROUND_PAGES - 1) + 1)]
    return PageCursors(
        first=_cursor_for(1, size, current) if start > 1 else None,
        around=around,
        last=_cursor_for(pages, size, current) if around[-1].page < pages else None,
        previous=_cursor_for(current - 1, size, current) if current > 1 else None,
    )


async def page_cursor(info: strawberry.Info, query: WindowQuery, page: int) -> PageCursor | None:
    size = query.page.size or 1
    total = await total_count(info, query)
    pages = max(1, -(-total // size))
    if page < 1 or page > pages:
        return None
    return _cursor_for(page, size, await page_number(info, query))


async def activity_badge(info: strawberry.Info) -> ActivityBadge:
    """"When you receive new requests the Portal icon will display a red area
    with the number of notifications." Read from the maintained counters."""
    context = _context(info)
    viewer = context.require_viewer()
    async with context.services.database.read() as session:
        waiting, pending = await badge_counts(session, viewer)
    return ActivityBadge(waiting=waiting, pending=pending)


async def badge_counts(session: Any, viewer: Any) -> tuple[int, int]:
    conditions = domain_window.counter_conditions(viewer, domain_window.WindowFilter())
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(ActivityCounter.open_count), 0),
                func.coalesce(
                    func.sum(ActivityCounter.open_count).filter(
                        ActivityCounter.status == WindowStatus.PENDING.value
                    ),
                    0,
                ),
            ).where(*conditions)
        )
    ).one()
    return int(row[0]), int(row[1])


async def activity_counts(info: strawberry.Info) -> list[ActivityCount]:
    """Open entries per type and status, for the dashboard's list widgets."""
    context = _context(info)
    viewer = context.require_viewer()
    conditions = domain_window.counter_conditions(viewer, domain_window.WindowFilter())
    async with context.services.database.read() as session:
        rows = await session.execute(
            select(
                ActivityCounter.type, ActivityCounter.status, func.sum(ActivityCounter.open_count)
            )
            .where(*conditions)
            .group_by(ActivityCounter.type, ActivityCounter.status)
            .order_by(ActivityCounter.type, ActivityCounter.status)
        )
        return [
            ActivityCount(type=ActivityType(t), status=WindowStatus(s), count=int(n))
            for t, s, n in rows
            if n
        ]


async def node(info: strawberry.Info, id: relay.GlobalID) -> Any:
    """Any entry by global id, inside the caller's organisation and locations;
    anything else, including entries of other tenants, is simply null."""
    context = _context(info)
    viewer = context.require_viewer()
    activity_type = TYPE_FOR_OBJECT_NAME.get(id.type_name)
    if activity_type is None or not id.node_id.isdigit():
        return None
    async with context.services.database.read() as session:
        row = await session.scalar(
            select(ActivityEntry).where(
                ActivityEntry.id == int(id.node_id),
                ActivityEntry.type == activity_type.value,
                domain_window.visible_to(viewer),
                ActivityEntry.occurred_at >= domain_window.window_cutoff(context.now()),
            )
        )
    return None if row is None else entry_object(row)
