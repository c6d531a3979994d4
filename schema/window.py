"""The window as a relay connection: filters, ordering, pages and counts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import strawberry

from domain import window as domain_window
from domain.vocabulary import ActivityType as DomainActivityType
from models import ActivityEntry as EntryRow
from schema.activity import ActivityType, WindowStatus
from schema.entries import Activity
from schema.errors import InvalidArguments

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


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class ActivityEdge:
    cursor: str
    node: Activity


@strawberry.type(description="A numbered page: pass its cursor as `after` with the same `first`.")
class PageCursor:
    cursor: str
    page: int
    is_current: bool


@strawberry.type(description="Cursors to jump to pages by number, as Artsy's pageCursors.")
class PageCursors:
    first: PageCursor | None
    around: list[PageCursor]
    last: PageCursor | None
    previous: PageCursor | None


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
    async def total_count(self, info: strawberry.Info) -> int:
        from resolvers.window import total_count

        return await total_count(info, self.query)

    @strawberry.field(
        description="Number of the current page (1-based) at this page size; a page read "
        "backward with `last` is numbered by its last entry."
    )
    async def page_number(self, info: strawberry.Info) -> int:
        from resolvers.window import page_number

        return await page_number(info, self.query)

    @strawberry.field(description="Pages at this page size (at least 1).")
    async def page_count(self, info: strawberry.Info) -> int:
        from resolvers.window import page_count

        return await page_count(info, self.query)

    @strawberry.field
    async def page_cursors(self, info: strawberry.Info) -> PageCursors:
        from resolvers.window import page_cursors

        return await page_cursors(info, self.query)

    @strawberry.field(description="Cursor for page `page` at this page size; null past the end.")
    async def page_cursor(self, info: strawberry.Info, page: int) -> PageCursor | None:
        from resolvers.window import page_cursor

        return await page_cursor(info, self.query, page)


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


def entry_cursor(row: EntryRow) -> str:
    from domain.cursors import encode_keyset

    return encode_keyset(row.occurred_at, row.id)


__all__ = ["ActivityType", "DomainActivityType"]
