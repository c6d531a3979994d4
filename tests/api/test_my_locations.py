"""The window's location filter offers the viewer's locations ("Location: All
/ one location / No location"): every location of the organisation for staff
who see all of them, only their own for staff limited to some, never another
organisation's."""

from __future__ import annotations

from tests.support import Api, World

MY_LOCATIONS = "{ me { allLocations locations { id name } } }"


async def test_staff_seeing_every_location_get_them_all_by_name(api: Api, world: World) -> None:
    me = (await api.data(MY_LOCATIONS, token=world.riverside.full))["me"]
    assert me["allLocations"] is True
    assert [location["name"] for location in me["locations"]] == ["North Pool", "South Gym"]


async def test_limited_staff_get_only_theirs_and_no_other_tenants(api: Api, world: World) -> None:
    me = (await api.data(MY_LOCATIONS, token=world.riverside.north_only))["me"]
    assert me["allLocations"] is False
    assert [location["name"] for location in me["locations"]] == ["North Pool"]
    harbour = (await api.data(MY_LOCATIONS, token=world.harbour.full))["me"]
    assert [location["name"] for location in harbour["locations"]] == ["Harbour Main"]


async def test_the_location_ids_are_the_ones_the_window_filter_takes(
    api: Api, world: World
) -> None:
    me = (await api.data(MY_LOCATIONS, token=world.riverside.north_only))["me"]
    data = await api.data(
        "query($id: ID!) { onlineActivity(filter: {location: {locationId: $id}}) { __typename } }",
        {"id": me["locations"][0]["id"]},
        token=world.riverside.north_only,
    )
    assert data["onlineActivity"]["__typename"] == "ActivityConnection"
