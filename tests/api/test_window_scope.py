"""Who sees what in the window, what each viewer may do, and how entries read.

"To view and interact with the Online Activity window, staff members must
have the "Manage Online Activity" task permission set to view or full, as
well as any other permissions to handle specific tasks".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from strawberry import relay

from models.base import utcnow
from service.services import Services
from tests.api import action_factories as make
from tests.factories import add_entries, add_family
from tests.support import Api, World

WINDOW = """
query Window($filter: ActivityFilter, $first: Int = 50) {
  onlineActivity(filter: $filter, first: $first) {
    __typename
    ... on ActivityConnection {
      totalCount
      nodes { ... on ActivityEntry { id type status availableActions location { name } } }
    }
    ... on InvalidArguments { userErrors { code field } }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { id type summary }
}
"""

PRESENTATION = """
query Presentation {
  onlineActivity {
    ... on ActivityConnection {
      nodes {
        __typename
        ... on ActivityEntry {
          studentLabel summary family { name } student { name } location { name }
        }
        ... on DropActivity { dropDate meetsNoticePeriod noticeDays }
        ... on PaymentActivity { discountScheduleNote charges { discountScheduleDeleted } }
      }
    }
  }
}
"""


async def window(api: Api, token: str, filter: dict[str, Any] | None = None) -> dict[str, Any]:
    data = await api.data(WINDOW, {"filter": filter}, token=token)
    result: dict[str, Any] = data["onlineActivity"]
    return result


async def _both_tenants(services: Services, world: World) -> list[int]:
    north = world.riverside.locations["north"]
    south = world.riverside.locations["south"]
    riverside = await add_entries(
        services.database,
        world.riverside.id,
        {"type": "ABSENCE", "location_id": north},
        {"type": "ABSENCE", "location_id": south},
        {"type": "POLICY"},
        {"type": "DROP", "location_id": south},
    )
    await add_entries(
        services.database,
        world.harbour.id,
        {"type": "PAYMENT", "location_id": world.harbour.locations["main"]},
        {"type": "NEW_ACCOUNT"},
    )
    return riverside


async def test_other_organisations_entries_are_invisible(
    api: Api, world: World, services: Services
) -> None:
    riverside_ids = await _both_tenants(services, world)
    harbour = await window(api, world.harbour.full)
    assert [n["type"] for n in harbour["nodes"]] == ["PAYMENT", "NEW_ACCOUNT"]
    assert harbour["totalCount"] == 2
    badge = await api.data("{ activityBadge { waiting pending } }", token=world.harbour.full)
    assert badge["activityBadge"] == {"waiting": 2, "pending": 0}
    counts = await api.data("{ activityCounts { type status count } }", token=world.harbour.full)
    assert {c["type"] for c in counts["activityCounts"]} == {"PAYMENT", "NEW_ACCOUNT"}
    # a riverside entry by id is exactly as absent as an id that never existed
    foreign = relay.to_base64("AbsenceActivity", riverside_ids[0])
    missing = relay.to_base64("AbsenceActivity", 999_999)
    assert await api.post(NODE, {"id": foreign}, token=world.harbour.full) == await api.post(
        NODE, {"id": missing}, token=world.harbour.full
    )
    assert (await api.data(NODE, {"id": foreign}, token=world.harbour.full))["node"] is None
    # while its own staff can read it
    own = await api.data(NODE, {"id": foreign}, token=world.riverside.full)
    assert own["node"]["type"] == "ABSENCE"


async def test_node_needs_the_right_type_and_the_90_days(
    api: Api, world: World, services: Services
) -> None:
    [recent, old] = await add_entries(
        services.database,
        world.riverside.id,
        {"type": "PAYMENT"},
        {"type": "PAYMENT", "occurred_at": utcnow() - timedelta(days=91)},
    )
    token = world.riverside.full
    found = await api.data(NODE, {"id": relay.to_base64("PaymentActivity", recent)}, token=token)
    assert found["node"]["type"] == "PAYMENT"
    for global_id in (
        relay.to_base64("DropActivity", recent),
        relay.to_base64("Location", world.riverside.locations["north"]),
        relay.to_base64("PaymentActivity", old),
    ):
        assert (await api.data(NODE, {"id": global_id}, token=token))["node"] is None


async def test_staff_limited_to_a_location_see_it_and_location_independent_entries(
    api: Api, world: World, services: Services
) -> None:
    await _both_tenants(services, world)
    result = await window(api, world.riverside.north_only)
    assert [(n["type"], n["location"]) for n in result["nodes"]] == [
        ("ABSENCE", {"name": "North Pool"}),
        ("POLICY", None),
    ]
    assert result["totalCount"] == 2
    north = relay.to_base64("Location", world.riverside.locations["north"])
    only_north = await window(api, world.riverside.north_only, {"location": {"locationId": north}})
    assert [n["type"] for n in only_north["nodes"]] == ["ABSENCE"]


async def test_a_location_outside_the_staffs_reach_looks_unknown(
    api: Api, world: World, services: Services
) -> None:
    await _both_tenants(services, world)
    south = relay.to_base64("Location", world.riverside.locations["south"])
    unknown = relay.to_base64("Location", 424242)
    refused = await window(api, world.riverside.north_only, {"location": {"locationId": south}})
    not_found = await window(api, world.riverside.north_only, {"location": {"locationId": unknown}})
    assert refused == not_found
    assert refused["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["filter", "location", "locationId"]}
    ]


async def test_view_only_staff_read_but_cannot_act(
    api: Api, world: World, services: Services
) -> None:
    await _both_tenants(services, world)
    result = await window(api, world.riverside.view_only)
    assert result["totalCount"] == 4
    assert all(n["availableActions"] == [] for n in result["nodes"])


async def test_staff_without_manage_online_activity_are_forbidden(
    api: Api, world: World, services: Services
) -> None:
    await _both_tenants(services, world)
    token = world.riverside.no_access
    assert await api.error_codes(WINDOW, token=token) == ["FORBIDDEN"]
    assert await api.error_codes("{ activityBadge { waiting } }", token=token) == ["FORBIDDEN"]


async def test_available_actions_follow_status_type_and_permissions(
    api: Api, world: World, services: Services
) -> None:
    # given one entry of each interesting kind, the requests with their enrollments
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    running = await make.enrollment(db, org, fam.student_ids[0], class_id)
    requested = await make.enrollment(db, org, fam.student_ids[0], class_id, status="REQUESTED")
    await add_entries(
        db,
        org,
        {"type": "DROP", "enrollment_id": running},  # pending
        {"type": "ENROLLMENT", "auto_approved": False, "enrollment_id": requested},  # pending
        {"type": "TRANSFER", "auto_approved": True},  # approved
        {"type": "PAYMENT"},  # notification
        {"type": "ONLINE_ORDER"},  # not yet reviewed
    )

    async def actions(token: str) -> list[tuple[str, list[str]]]:
        return [(n["type"], n["availableActions"]) for n in (await window(api, token))["nodes"]]

    assert await actions(world.riverside.full) == [
        ("DROP", ["APPROVE", "DENY"]),
        ("ENROLLMENT", ["APPROVE", "DENY"]),
        ("TRANSFER", ["DISMISS"]),
        ("PAYMENT", ["DISMISS"]),
        ("ONLINE_ORDER", ["REVIEW"]),
    ]
    assert await actions(world.riverside.no_enrollments) == [
        ("DROP", []),
        ("ENROLLMENT", []),
        ("TRANSFER", []),
        ("PAYMENT", ["DISMISS"]),
        ("ONLINE_ORDER", ["REVIEW"]),
    ]
    assert all(a == [] for _, a in await actions(world.riverside.view_only))


async def test_entries_read_as_the_spec_describes(
    api: Api, world: World, services: Services
) -> None:
    family_id, student_id = await add_family(services.database, world.riverside.id, name="Lee")
    day = utcnow().replace(hour=12) - timedelta(days=2)
    request_day = day.date()
    await add_entries(
        services.database,
        world.riverside.id,
        {
            "type": "DROP",
            "occurred_at": day,
            "family_id": family_id,
            "student_id": student_id,
            "location_id": world.riverside.locations["north"],
            "details": {
                "student_name": "Ann Lee",
                "enrollment_type": "TRIAL",
                "class_name": "Tadpoles",
                "drop_date": (request_day + timedelta(days=30)).isoformat(),
            },
        },
        {
            "type": "DROP",
            "occurred_at": day + timedelta(minutes=1),
            "details": {
                "student_name": "Bo Lee",
                "enrollment_type": "STANDARD",
                "drop_date": (request_day + timedelta(days=29)).isoformat(),
            },
        },
        {
            "type": "PAYMENT",
            "occurred_at": day + timedelta(minutes=2),
            "family_id": family_id,
            "details": {
                "family_name": "Lee",
                "amount": "80.00",
                "charges": [
                    {"description": "Tuition", "amount": "50.00"},
                    {"description": "Camp", "amount": "30.00", "discount_schedule_deleted": True},
                ],
            },
        },
        {
            "type": "PAYMENT",
            "occurred_at": day + timedelta(minutes=3),
            "details": {"charges": [{"description": "Tuition", "amount": "50.00"}]},
        },
    )
    nodes = (await api.data(PRESENTATION, token=world.riverside.full))["onlineActivity"]["nodes"]
    trial, standard, flagged, plain = nodes
    # "If a Drop request is submitted for a TRIAL type enrollment, the phrase
    # "(TRIAL)" will appear beside the student name"
    assert trial["studentLabel"] == "Ann Lee (TRIAL)"
    assert standard["studentLabel"] == "Bo Lee"
    assert (trial["meetsNoticePeriod"], standard["meetsNoticePeriod"]) == (True, False)
    assert trial["noticeDays"] == 30
    assert trial["family"] == {"name": "Lee"}
    assert trial["student"] == {"name": "Ann Lee"}
    assert trial["location"] == {"name": "North Pool"}
    assert standard["family"] is None and standard["location"] is None
    assert flagged["discountScheduleNote"] == (
        "One or more charges associated with this payment were calculated using a discount "
        "schedule which has been deleted."
    )
    assert [c["discountScheduleDeleted"] for c in flagged["charges"]] == [False, True]
    assert plain["discountScheduleNote"] is None
