"""The viewer's locations, for the window's location filter."""

from __future__ import annotations

from collections.abc import Sequence

from domain.locations import visible_locations
from models import Location
from resolvers.context import RequestContext


async def my_locations(context: RequestContext) -> Sequence[Location]:
    viewer = context.require_viewer()
    async with context.services.database.read() as session:
        return await visible_locations(session, viewer)
