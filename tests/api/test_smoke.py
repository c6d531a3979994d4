"""The service answers over HTTP with the caller's identity."""

from __future__ import annotations

from service.services import Services
from tests.factories import add_entries
from tests.support import Api, World

ME = "query { me { name allLocations permissions { task level } } }"
WINDOW = "query { onlineActivity { ... on ActivityConnection { totalCount edges { cursor } } } }"


async def test_me_names_the_staff_member_behind_the_token(api: Api, world: World) -> None:
    data = await api.data(ME, token=world.riverside.full)
    assert data["me"]["name"] == "full of riverside"
    assert data["me"]["allLocations"] is True


async def test_a_request_without_token_is_unauthenticated(api: Api, world: World) -> None:
    assert await api.error_codes(WINDOW) == ["UNAUTHENTICATED"]
    assert await api.error_codes(WINDOW, token="oas_forged") == ["UNAUTHENTICATED"]


async def test_staff_without_manage_online_activity_cannot_read_the_window(
    api: Api, world: World
) -> None:
    assert await api.error_codes(WINDOW, token=world.riverside.no_access) == ["FORBIDDEN"]


async def test_an_empty_window_has_no_entries(api: Api, world: World) -> None:
    data = await api.data(WINDOW, token=world.riverside.view_only)
    assert data["onlineActivity"] == {"totalCount": 0, "edges": []}


BADGE_AND_TOTAL = """
{ onlineActivity { ... on ActivityConnection { totalCount } } activityBadge { waiting pending } }
"""


async def test_recorded_entries_show_in_the_window_and_badge(
    api: Api, world: World, services: Services
) -> None:
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "PAYMENT"},
        {"type": "DROP", "notes": "moving away"},
    )
    data = await api.data(BADGE_AND_TOTAL, token=world.riverside.full)
    assert data == {
        "onlineActivity": {"totalCount": 2},
        "activityBadge": {"waiting": 2, "pending": 1},
    }
