"""The locations a staff member may see: the window's location filter offers
these ("Location: All / one location / No location")."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.viewer import Viewer
from models import Location


async def visible_locations(session: AsyncSession, viewer: Viewer) -> Sequence[Location]:
    """Every location of the viewer's organisation when they see all of them,
    otherwise only their own, by name. Another organisation's locations are
    never listed, whatever ids a viewer carries."""
    query = select(Location).where(Location.organisation_id == viewer.organisation_id)
    if viewer.location_ids is not None:
        query = query.where(Location.id.in_(sorted(viewer.location_ids)))
    return (await session.scalars(query.order_by(Location.name, Location.id))).all()
