"""The window's defaults and every filter rule of the spec, through HTTP.

"The default filters are all Types of notifications with the 10
notifications per page sorted from oldest (at the top) to newest (at the
end). Results can be filtered by type, pending or approved status, or whether
or not there are notes".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from strawberry import relay

from domain.kinds import registry
from models.base import utcnow
from service.services import Services
from tests.factories import add_entries
from tests.support import Api, World

WINDOW = """
query Window($filter: ActivityFilter, $order: ActivityOrder! = OLDEST_FIRST, $first: Int) {
  onlineActivity(filter: $filter, order: $order, first: $first) {
    __typename
    ... on ActivityConnection {
      totalCount
      pageInfo { hasNextPage hasPreviousPage }
      nodes { ... on ActivityEntry { id type status hasNotes notes summary } }
    }
    ... on InvalidArguments { userErrors { code field message } }
  }
}
"""

ALL_TYPES = [
    "ABSENCE", "APPOINTMENT", "APPOINTMENT_CANCELED", "APPOINTMENT_RESCHEDULE", "AUTOPAY",
    "PAYMENT", "GIFT_CARD", "NEW_ACCOUNT", "ENROLLMENT", "DROP", "TRANSFER", "PARTY", "POLICY",
    "NEW_STUDENT", "ONLINE_ORDER", "OPT_OUT", "DELETION_REQUEST",
]  # fmt: skip


async def window(
    api: Api, token: str, filter: dict[str, Any] | None = None, **variables: Any
) -> dict[str, Any]:
    data = await api.data(WINDOW, {"filter": filter, **variables}, token=token)
    result: dict[str, Any] = data["onlineActivity"]
    return result


def types_of(result: dict[str, Any]) -> list[str]:
    assert result["__typename"] == "ActivityConnection", result
    return [node["type"] for node in result["nodes"]]


async def test_defaults_show_every_type_ten_per_page_oldest_first(
    api: Api, world: World, services: Services
) -> None:
    # given one entry of each of the 17 types, recorded a minute apart
    await add_entries(services.database, world.riverside.id, *({"type": t} for t in ALL_TYPES))
    # when staff open the window with no arguments
    result = await window(api, world.riverside.full)
    # then the 10 oldest show, oldest at the top, and all 17 are counted
    assert types_of(result) == ALL_TYPES[:10]
    assert result["totalCount"] == 17
    assert result["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False}


async def test_newest_first_on_request(api: Api, world: World, services: Services) -> None:
    await add_entries(services.database, world.riverside.id, *({"type": t} for t in ALL_TYPES))
    result = await window(api, world.riverside.full, order="NEWEST_FIRST")
    assert types_of(result) == ALL_TYPES[::-1][:10]


TYPES = "{ activityTypes { type label } }"


async def test_the_types_to_filter_by_are_served_with_the_labels_of_their_kinds(
    api: Api, world: World
) -> None:
    # when any staff member (view only here) asks which types there are
    served = (await api.data(TYPES, token=world.riverside.view_only))["activityTypes"]
    # then every type comes, in the window's order, labelled as its kind says:
    # the web client's filter and rows name none of them
    assert [t["type"] for t in served] == ALL_TYPES
    assert served == [{"type": k.name, "label": k.label} for k in registry.kinds()]
    labels = {t["type"]: t["label"] for t in served}
    # as the help article words them ("Appointment Booking Canceled - Notification of ...")
    assert labels["APPOINTMENT_CANCELED"] == "Appointment Booking Canceled"
    assert labels["DELETION_REQUEST"] == "Deletion Request"
    assert labels["NEW_STUDENT"] == "Student"
    assert len(set(labels.values())) == len(labels)
    # and nobody signed out learns them
    assert await api.error_codes(TYPES) == ["UNAUTHENTICATED"]


async def test_type_filter_shows_only_those_types(
    api: Api, world: World, services: Services
) -> None:
    await add_entries(services.database, world.riverside.id, *({"type": t} for t in ALL_TYPES))
    result = await window(api, world.riverside.full, {"types": ["DROP", "PAYMENT", "POLICY"]})
    assert types_of(result) == ["PAYMENT", "DROP", "POLICY"]
    assert result["totalCount"] == 3


async def test_has_notes_both_yes_no(api: Api, world: World, services: Services) -> None:
    # given two entries with notes and one without (blank notes are no notes)
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "DROP", "notes": "moving away"},
        {"type": "PAYMENT"},
        {"type": "ENROLLMENT", "notes": "   "},
        {"type": "ABSENCE", "notes": "sick"},
    )
    both = await window(api, world.riverside.full, {"hasNotes": "BOTH"})
    yes = await window(api, world.riverside.full, {"hasNotes": "YES"})
    no = await window(api, world.riverside.full, {"hasNotes": "NO"})
    assert types_of(both) == ["DROP", "PAYMENT", "ENROLLMENT", "ABSENCE"]
    assert types_of(yes) == ["DROP", "ABSENCE"]
    assert [n["notes"] for n in yes["nodes"]] == ["moving away", "sick"]
    assert types_of(no) == ["PAYMENT", "ENROLLMENT"]
    assert (yes["totalCount"], no["totalCount"], both["totalCount"]) == (2, 2, 4)


async def _mixed_statuses(services: Services, world: World) -> None:
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "PAYMENT"},  # notification
        {"type": "ONLINE_ORDER"},  # notification, excluded from "Notification"
        {"type": "GIFT_CARD"},  # excluded
        {"type": "DELETION_REQUEST"},  # excluded
        {"type": "PARTY"},  # excluded
        {"type": "NEW_ACCOUNT"},  # notification
        {"type": "DROP"},  # pending (always)
        {"type": "ENROLLMENT", "auto_approved": False},  # pending
        {"type": "ENROLLMENT", "auto_approved": True},  # approved
        {"type": "TRANSFER", "auto_approved": True},  # approved
        {"type": "APPOINTMENT", "auto_approved": True},  # approved
    )


async def test_notification_status_excludes_orders_gift_cards_deletions_and_parties(
    api: Api, world: World, services: Services
) -> None:
    await _mixed_statuses(services, world)
    result = await window(api, world.riverside.full, {"status": "NOTIFICATION"})
    assert types_of(result) == ["PAYMENT", "NEW_ACCOUNT"]
    assert result["totalCount"] == 2


async def test_all_status_still_shows_the_excluded_notification_types(
    api: Api, world: World, services: Services
) -> None:
    await _mixed_statuses(services, world)
    result = await window(api, world.riverside.full, {"status": "ALL"}, first=20)
    assert {"ONLINE_ORDER", "GIFT_CARD", "DELETION_REQUEST", "PARTY"} <= set(types_of(result))
    assert result["totalCount"] == 11


async def test_pending_and_approved_status(api: Api, world: World, services: Services) -> None:
    await _mixed_statuses(services, world)
    pending = await window(api, world.riverside.full, {"status": "PENDING"})
    approved = await window(api, world.riverside.full, {"status": "APPROVED"})
    assert types_of(pending) == ["DROP", "ENROLLMENT"]
    assert {n["status"] for n in pending["nodes"]} == {"PENDING"}
    # "Approved: Entries that have been auto-approved (includes all types)"
    assert types_of(approved) == ["ENROLLMENT", "TRANSFER", "APPOINTMENT"]
    assert approved["totalCount"] == 3


async def _located(services: Services, world: World) -> None:
    north = world.riverside.locations["north"]
    south = world.riverside.locations["south"]
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "ABSENCE", "location_id": north},
        {"type": "ABSENCE", "location_id": south},
        {"type": "POLICY"},  # location-independent
        {"type": "DROP", "location_id": north, "notes": "moving"},
        {"type": "NEW_ACCOUNT"},  # location-independent
    )


async def test_location_all_specific_and_none(api: Api, world: World, services: Services) -> None:
    await _located(services, world)
    north_id = relay.to_base64("Location", world.riverside.locations["north"])
    everything = await window(api, world.riverside.full, {"location": None})
    north = await window(api, world.riverside.full, {"location": {"locationId": north_id}})
    none = await window(api, world.riverside.full, {"location": {"noLocation": True}})
    assert types_of(everything) == ["ABSENCE", "ABSENCE", "POLICY", "DROP", "NEW_ACCOUNT"]
    assert types_of(north) == ["ABSENCE", "DROP"]
    assert types_of(none) == ["POLICY", "NEW_ACCOUNT"]
    assert (north["totalCount"], none["totalCount"]) == (2, 2)


async def test_location_filter_takes_the_locations_global_id_as_listed(
    api: Api, world: World, services: Services
) -> None:
    # given an entry at south, whose location id staff read from the entry itself
    await _located(services, world)
    listed = await api.data(
        "{ onlineActivity { ... on ActivityConnection { nodes { ... on ActivityEntry "
        "{ location { id name } } } } } }",
        token=world.riverside.full,
    )
    south = next(
        n["location"] for n in listed["onlineActivity"]["nodes"]
        if n["location"] and n["location"]["name"] == "South Gym"
    )  # fmt: skip
    result = await window(api, world.riverside.full, {"location": {"locationId": south["id"]}})
    assert types_of(result) == ["ABSENCE"]


async def test_filters_combine(api: Api, world: World, services: Services) -> None:
    await _located(services, world)
    north_id = relay.to_base64("Location", world.riverside.locations["north"])
    result = await window(
        api,
        world.riverside.full,
        {
            "types": ["DROP", "ABSENCE"],
            "status": "PENDING",
            "hasNotes": "YES",
            "location": {"locationId": north_id},
        },
    )
    assert types_of(result) == ["DROP"]
    assert result["totalCount"] == 1
    empty = await window(
        api, world.riverside.full, {"types": ["ABSENCE"], "location": {"noLocation": True}}
    )
    assert types_of(empty) == []
    assert empty["totalCount"] == 0


async def test_only_the_last_90_days_are_shown(api: Api, world: World, services: Services) -> None:
    # "Online Activity data is accessible for a maximum of 90 days"
    now = utcnow()
    await add_entries(
        services.database,
        world.riverside.id,
        {"type": "PAYMENT", "occurred_at": now - timedelta(days=91)},
        {"type": "DROP", "occurred_at": now - timedelta(days=89)},
        {"type": "POLICY", "occurred_at": now - timedelta(days=1)},
    )
    result = await window(api, world.riverside.full)
    assert types_of(result) == ["DROP", "POLICY"]
    assert result["totalCount"] == 2
    counts = await window(api, world.riverside.full, {"types": ["PAYMENT"]})
    assert (types_of(counts), counts["totalCount"]) == ([], 0)


async def _user_errors(api: Api, token: str, filter: dict[str, Any]) -> list[dict[str, Any]]:
    result = await window(api, token, filter)
    assert result["__typename"] == "InvalidArguments", result
    return [{"code": e["code"], "field": e["field"]} for e in result["userErrors"]]


async def test_an_empty_type_list_is_refused(api: Api, world: World) -> None:
    assert await _user_errors(api, world.riverside.full, {"types": []}) == [
        {"code": "EMPTY_TYPE_FILTER", "field": ["filter", "types"]}
    ]


async def test_notification_status_with_only_excluded_types_is_contradictory(
    api: Api, world: World
) -> None:
    errors = await _user_errors(
        api, world.riverside.full, {"status": "NOTIFICATION", "types": ["ONLINE_ORDER"]}
    )
    assert errors == [{"code": "CONTRADICTORY_FILTER", "field": ["filter", "status"]}]


async def test_unknown_or_foreign_location_is_not_found(api: Api, world: World) -> None:
    unknown = relay.to_base64("Location", 987654)
    harbour = relay.to_base64("Location", world.harbour.locations["main"])
    not_a_location = relay.to_base64("Family", world.riverside.locations["north"])
    expected = [{"code": "NOT_FOUND", "field": ["filter", "location", "locationId"]}]
    for location_id in (unknown, harbour, not_a_location, "not-an-id"):
        assert (
            await _user_errors(api, world.riverside.full, {"location": {"locationId": location_id}})
            == expected
        ), location_id


async def test_no_location_must_be_true(api: Api, world: World) -> None:
    assert await _user_errors(api, world.riverside.full, {"location": {"noLocation": False}}) == [
        {"code": "INVALID_FILTER", "field": ["filter", "location", "noLocation"]}
    ]


async def test_a_location_both_specific_and_none_is_a_clear_validation_error(
    api: Api, world: World
) -> None:
    # LocationFilter is @oneOf: GraphQL itself refuses two choices at once.
    north_id = relay.to_base64("Location", world.riverside.locations["north"])
    body = await api.post(
        WINDOW,
        {"filter": {"location": {"locationId": north_id, "noLocation": True}}},
        token=world.riverside.full,
    )
    assert body.get("data") is None
    [error] = body["errors"]
    assert "LocationFilter" in error["message"]
    assert "exactly one" in error["message"]
