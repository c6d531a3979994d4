"""The badge and the dashboard widgets' counts.

"When you receive new requests the Portal icon will display a red area with
the number of notifications. When you have processed all the activity, the
icon will not show a notification area".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import utcnow
from service.services import Services
from tests.factories import add_entries
from tests.support import Api, World

BADGE_AND_COUNTS = """
{
  activityBadge { waiting pending }
  activityCounts { type status count }
  onlineActivity { ... on ActivityConnection { totalCount } }
}
"""


async def read(api: Api, token: str) -> dict[str, Any]:
    return await api.data(BADGE_AND_COUNTS, token=token)


def counts(data: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(c["type"], c["status"]): c["count"] for c in data["activityCounts"]}


async def test_an_empty_window_shows_no_badge(api: Api, world: World) -> None:
    data = await read(api, world.riverside.full)
    assert data["activityBadge"] == {"waiting": 0, "pending": 0}
    assert data["activityCounts"] == []


async def test_badge_and_counts_follow_new_entries(
    api: Api, world: World, services: Services
) -> None:
    north = world.riverside.locations["north"]
    south = world.riverside.locations["south"]
    # given a few entries
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "DROP", "location_id": north},
        {"type": "PAYMENT"},
        {"type": "PAYMENT", "location_id": south},
    )
    before = await read(api, world.riverside.full)
    assert before["activityBadge"] == {"waiting": 3, "pending": 1}
    # when more arrive
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "ENROLLMENT", "auto_approved": False, "location_id": south},
        {"type": "ENROLLMENT", "auto_approved": True, "location_id": north},
        {"type": "ONLINE_ORDER"},
    )
    after = await read(api, world.riverside.full)
    # then the badge and the per-type counts include them at once
    assert after["activityBadge"] == {"waiting": 6, "pending": 2}
    assert counts(after) == {
        ("DROP", "PENDING"): 1,
        ("PAYMENT", "NOTIFICATION"): 2,
        ("ENROLLMENT", "PENDING"): 1,
        ("ENROLLMENT", "APPROVED"): 1,
        ("ONLINE_ORDER", "NOTIFICATION"): 1,
    }
    assert after["onlineActivity"]["totalCount"] == 6


async def test_location_limited_staff_count_only_what_they_see(
    api: Api, world: World, services: Services
) -> None:
    north = world.riverside.locations["north"]
    south = world.riverside.locations["south"]
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "DROP", "location_id": north},
        {"type": "DROP", "location_id": south},
        {"type": "PAYMENT", "location_id": south},
        {"type": "POLICY"},
    )
    data = await read(api, world.riverside.north_only)
    assert data["activityBadge"] == {"waiting": 2, "pending": 1}
    assert counts(data) == {("DROP", "PENDING"): 1, ("POLICY", "NOTIFICATION"): 1}
    assert data["onlineActivity"]["totalCount"] == 2
    harbour = await read(api, world.harbour.full)
    assert harbour["activityBadge"] == {"waiting": 0, "pending": 0}


async def test_entries_past_90_days_leave_the_badge_with_the_window(
    api: Api, world: World, services: Services
) -> None:
    # given an open entry the purge has not expired yet, 91 days old
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "DROP", "occurred_at": utcnow() - timedelta(days=91)},
        {"type": "PAYMENT", "occurred_at": utcnow() - timedelta(days=89)},
    )
    data = await read(api, world.riverside.full)
    # then the badge counts what the window shows
    assert data["onlineActivity"]["totalCount"] == 1
    assert data["activityBadge"] == {"waiting": 1, "pending": 0}
    assert counts(data) == {("PAYMENT", "NOTIFICATION"): 1}


async def test_view_only_staff_see_the_badge(api: Api, world: World, services: Services) -> None:
    await add_entries(services.database, world.riverside.id, {"type": "DROP"})
    data = await read(api, world.riverside.view_only)
    assert data["activityBadge"] == {"waiting": 1, "pending": 1}
