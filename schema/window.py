"""The window as a relay connection: filters, ordering, pages and counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Annotated

import strawberry
from strawberry import relay

from domain import window as domain_window
from domain.cursors import encode_keyset
from domain.errors import InvalidRequest
from domain.vocabulary import ActivityType as DomainActivityType
from domain.window_filter import WindowFilterErrorCode
from domain.window_rows import WindowEntry
from resolvers import window as resolvers
from resolvers.window import WindowQuery
from schema.activity import ActivityType, WindowStatus
from schema.context import Info
from schema.entries import Activity, entry_object
from schema.errors import InvalidArguments
from schema.loaders import Loaders

# The domain's enums are the schema's: registered once, used as annotations.
HasNotesFilter = domain_window.HasNotes
StatusFilter = domain_window.StatusFilter
ActivityOrder = domain_window.SortOrder
strawberry.enum(HasNotesFilter, name="HasNotesFilter")
strawberry.enum(StatusFilter, name="StatusFilter")
strawberry.enum(ActivityOrder, name="ActivityOrder")


@strawberry.input(one_of=True, description="All locations when omitted.")
class LocationFilter:
    location_id: strawberry.Maybe[strawberry.ID] = strawberry.field(
        description="Entries of this location."
    )
    no_location: strawberry.Maybe[bool] = strawberry.field(
        description="Location-independent entries only (family and student policies, account "
        "changes not related to enrollments). Must be true."
    )


@strawberry.input
class ActivityFilter:
    types: list[ActivityType] | None = strawberry.field(
        default=None, description="All types when omitted."
    )
    has_notes: HasNotesFilter = domain_window.HasNotes.BOTH
    status: StatusFilter = strawberry.field(
        default=domain_window.StatusFilter.ALL,
        description="NOTIFICATION also excludes online orders, gift cards, deletion requests "
        "and parties, as the window does.",
    )
    location: LocationFilter | None = None

    def to_domain(self, *, field: tuple[str, ...] = ("filter",)) -> domain_window.WindowFilter:
        """The window's filter; shared by the query, the bulk actions and live events."""
        location_id: int | None = None
        no_location = False
        if self.location is not None:
            if self.location.location_id is not None:
                location_id = location_number(
                    str(self.location.location_id.value), field=(*field, "location", "locationId")
                )
            if self.location.no_location is not None:
                if self.location.no_location.value is not True:
                    raise InvalidRequest.one(
                        WindowFilterErrorCode.INVALID_FILTER,
                        "noLocation must be true; omit location for all locations",
                        *field,
                        "location",
                        "noLocation",
                    )
                no_location = True
        return domain_window.WindowFilter(
            types=None
            if self.types is None
            else frozenset(DomainActivityType(t) for t in self.types),
            has_notes=domain_window.HasNotes(self.has_notes),
            status=domain_window.StatusFilter(self.status),
            location_id=location_id,
            no_location=no_location,
        )


def window_filter(raw: ActivityFilter | None) -> domain_window.WindowFilter:
    """The whole window when no filter was given."""
    return domain_window.WindowFilter() if raw is None else raw.to_domain()


def selected_by_filter(
    raw: ActivityFilter | None,
) -> Callable[[], domain_window.WindowFilter] | None:
    """A selection's ``all``: unpacked by the resolver after its permission checks."""
    return None if raw is None else partial(raw.to_domain, field=("input", "all"))


DATABASE_ID = re.compile(r"[0-9]{1,18}")


def location_number(raw: str, *, field: tuple[str, ...]) -> int:
    """A location id: our global ID (``Location.id``), or the bare number."""
    node_id = raw
    try:
        global_id = relay.GlobalID.from_id(raw)
    except ValueError:
        pass
    else:
        node_id = global_id.node_id if global_id.type_name == "Location" else ""
    if DATABASE_ID.fullmatch(node_id):
        return int(node_id)
    raise InvalidRequest.one(WindowFilterErrorCode.NOT_FOUND, "no such location", *field)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ActivityEdge:
    # Encoded when asked for: the window's own document reads ``nodes`` and
    # ``pageInfo.endCursor``, not every edge's cursor.
    cursor: str = strawberry.field(resolver=lambda self: entry_cursor(self.row))
    node: Activity
    row: strawberry.Private[WindowEntry]


@strawberry.type(description="A numbered page: pass its cursor as `after` with the same `first`.")
class PageCursor:
    cursor: str
    page: int
    is_current: bool

    @classmethod
    def from_page(cls, page: resolvers.NumberedPage) -> PageCursor:
        return cls(cursor=page.cursor, page=page.page, is_current=page.is_current)

    @classmethod
    def maybe(cls, page: resolvers.NumberedPage | None) -> PageCursor | None:
        return None if page is None else cls.from_page(page)


@strawberry.type(description="Cursors to jump to pages by number, as Artsy's pageCursors.")
class PageCursors:
    first: PageCursor | None
    around: list[PageCursor]
    last: PageCursor | None
    previous: PageCursor | None


@strawberry.type
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo
    query: strawberry.Private[WindowQuery]
    sequence: int = strawberry.field(
        description="The organisation's sequence number read just before this page: pass it "
        "as `afterSequence` to `activityEvents` to follow the window live without a gap "
        "(changes committed meanwhile may arrive again; they carry their sequence)."
    )

    @strawberry.field
    def nodes(self) -> list[Activity]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="Entries matching the filter, over all pages.")
    async def total_count(self, info: Info) -> int:
        return await resolvers.total_count(info.context.reading_for(info), self.query)

    @strawberry.field(
        description="Number of the current page (1-based) at this page size; a page read "
        "backward with `last` is numbered by its last entry."
    )
    async def page_number(self, info: Info) -> int:
        return await resolvers.page_number(info.context.reading_for(info), self.query)

    @strawberry.field(description="Pages at this page size (at least 1).")
    async def page_count(self, info: Info) -> int:
        return await resolvers.page_count(info.context.reading_for(info), self.query)

    @strawberry.field
    async def page_cursors(self, info: Info) -> PageCursors:
        jumps = await resolvers.page_cursors(info.context.reading_for(info), self.query)
        return PageCursors(
            first=PageCursor.maybe(jumps.first),
            around=[PageCursor.from_page(page) for page in jumps.around],
            last=PageCursor.maybe(jumps.last),
            previous=PageCursor.maybe(jumps.previous),
        )

    @strawberry.field(description="Cursor for page `page` at this page size; null past the end.")
    async def page_cursor(self, info: Info, page: int) -> PageCursor | None:
        found = await resolvers.page_cursor(info.context.reading_for(info), self.query, page)
        return PageCursor.maybe(found)

    @classmethod
    def from_query(cls, query: WindowQuery, loaders: Loaders) -> ActivityConnection:
        """The page's connection; the records read with the page (its
        locations, families and the organisation's settings) prime the
        loaders, so their fields cost no statement of their own."""
        loaders.prime(query.page.locations, query.page.families, query.page.organisation)
        edges = [ActivityEdge(node=entry_object(row), row=row) for row in query.page.entries]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=query.page.has_next_page,
                has_previous_page=query.page.has_previous_page,
                start_cursor=entry_cursor(edges[0].row) if edges else None,
                end_cursor=entry_cursor(edges[-1].row) if edges else None,
            ),
            query=query,
            sequence=query.page.sequence,
        )


OnlineActivityResult = Annotated[
    ActivityConnection | InvalidArguments, strawberry.union("OnlineActivityResult")
]


@strawberry.type(description="What the window's badge shows.")
class ActivityBadge:
    waiting: int = strawberry.field(description="Open entries: the red number on the icon.")
    pending: int = strawberry.field(description="Entries waiting for approve or deny.")


@strawberry.type
class ActivityCount:
    type: ActivityType
    status: WindowStatus
    count: int


def entry_cursor(row: WindowEntry) -> str:
    return encode_keyset(row.occurred_at, row.id)


__all__ = ["ActivityType", "DomainActivityType"]
