"""Denying requests, dismissing notifications and reviewing online orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.vocabulary import ActivityType, WindowStatus
from models import Absence, Enrollment, EnrollmentNote, OnlineOrder, Product
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

DENY = """
mutation($input: DenyActivityInput!) {
  denyActivity(input: $input) {
    result { id outcome code entry { __typename } }
    userErrors { code field }
  }
}
"""
DISMISS = """
mutation($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) {
    dismissedCount
    results { id outcome code }
    userErrors { code field }
  }
}
"""
REVIEW = """
mutation($input: ReviewOnlineOrderInput!) {
  reviewOnlineOrder(input: $input) {
    order { total pulledNow lines { productName quantity unitPrice } }
    entry { ... on OnlineOrderActivity { reviewed availableActions } }
    userErrors { code field }
  }
}
"""
WINDOW = """
{ onlineActivity { ... on ActivityConnection { nodes { ... on ActivityEntry { id } } } } }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def window_ids(api: Api, token: str) -> list[str]:
    data = await api.data(WINDOW, token=token)
    return [n["id"] for n in data["onlineActivity"]["nodes"]]


async def test_denying_an_enrollment_request_deletes_the_enrollment_and_its_notes(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment request with notes
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    entry_id, enrollment_id = await make.enrollment_request(
        db, org, north, fam, class_id, notes=("Allergic to chlorine",)
    )
    gid = make.gid("ENROLLMENT", entry_id)
    # when staff deny it with a reason
    data = await api.data(
        DENY, {"input": {"id": gid, "reason": "Class is for adults"}}, world.riverside.full
    )
    # then the request, the enrollment and its notes are gone
    assert data["denyActivity"] == {
        "result": {"id": gid, "outcome": "DENIED", "code": None, "entry": None},
        "userErrors": [],
    }
    assert await make.load(db, Enrollment, enrollment_id) is None
    assert await make.count(db, EnrollmentNote, EnrollmentNote.enrollment_id == enrollment_id) == 0
    assert gid not in await window_ids(api, world.riverside.full)


async def test_denying_an_absence_marks_it_denied_and_a_second_deny_is_already_processed(
    api: Api, world: World, services: Services
) -> None:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    entry_id, absence_id = await make.absence_request(db, org, north, fam, enrollment_id)
    gid = make.gid("ABSENCE", entry_id)
    await api.data(DENY, {"input": {"id": gid}}, world.riverside.full)
    assert (await make.load(db, Absence, absence_id)).status == "DENIED"  # type: ignore[union-attr]
    again = await api.data(DENY, {"input": {"id": gid}}, world.riverside.full)
    assert again["denyActivity"]["result"]["code"] == "ALREADY_PROCESSED"
    assert again["denyActivity"]["userErrors"] == [
        {"code": "ALREADY_PROCESSED", "field": ["input", "id"]}
    ]


async def test_notifications_cannot_be_denied(api: Api, world: World, services: Services) -> None:
    entry_id = await make.entry(services.database, world.riverside.id, ActivityType.PAYMENT)
    data = await api.data(
        DENY, {"input": {"id": make.gid("PAYMENT", entry_id)}}, world.riverside.full
    )
    assert data["denyActivity"]["result"]["code"] == "NOT_PENDING"


async def test_checked_requests_cannot_be_dismissed_and_stay(
    api: Api, world: World, services: Services
) -> None:
    # given a payment notification and a pending drop request, both checked
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    payment = make.gid("PAYMENT", await make.entry(db, org, ActivityType.PAYMENT))
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    running = await make.enrollment(db, org, fam.student_ids[0], class_id)
    drop_date = make.today() + timedelta(days=40)
    drop = make.gid(
        "DROP", await make.drop_request(db, org, north, fam, running, drop_date=drop_date)
    )
    # when staff click Dismiss
    data = await api.data(DISMISS, {"input": {"ids": [payment, drop]}}, world.riverside.full)
    # then the notification is dismissed and the request gets an error and stays
    assert data["dismissActivities"]["results"] == [
        {"id": payment, "outcome": "DISMISSED", "code": None},
        {"id": drop, "outcome": "FAILED", "code": "MUST_APPROVE_OR_DENY"},
    ]
    assert await window_ids(api, world.riverside.full) == [drop]


async def test_dismissing_all_filtered_skips_pending_entries_and_other_filters(
    api: Api, world: World, services: Services
) -> None:
    # given notifications at north and south and a pending request at north
    db, org = services.database, world.riverside.id
    north, south = world.riverside.locations["north"], world.riverside.locations["south"]
    north_payment = await make.entry(db, org, ActivityType.PAYMENT, location_id=north)
    south_payment = await make.entry(db, org, ActivityType.PAYMENT, location_id=south)
    pending = await make.entry(
        db, org, ActivityType.ABSENCE, status=WindowStatus.PENDING, location_id=north
    )
    north_gid = relay_location(north)
    seen = await api.window_sequence(world.riverside.full)
    # when everything matching "location: north" is dismissed
    data = await api.data(
        DISMISS,
        {"input": {"all": {"location": {"locationId": north_gid}}, "watermark": seen}},
        world.riverside.full,
    )
    # then only the north notification went; the request was skipped, south untouched
    assert data["dismissActivities"]["dismissedCount"] == 1
    assert {(r["id"], r["outcome"], r["code"]) for r in data["dismissActivities"]["results"]} == {
        (make.gid("PAYMENT", north_payment), "DISMISSED", None),
        (make.gid("ABSENCE", pending), "SKIPPED", "MUST_APPROVE_OR_DENY"),
    }
    assert sorted(await window_ids(api, world.riverside.full)) == sorted(
        [make.gid("PAYMENT", south_payment), make.gid("ABSENCE", pending)]
    )


def relay_location(location_id: int) -> str:
    from strawberry import relay

    return relay.to_base64("Location", location_id)


async def test_an_online_order_is_reviewed_pulled_from_stock_then_dismissed(
    api: Api, world: World, services: Services
) -> None:
    # given an online order of 2 caps held against stock
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    entry_id, order_id, product_id = await make.online_order(db, org, north, fam, quantity=2)
    gid = make.gid("ONLINE_ORDER", entry_id)
    # it cannot simply be dismissed
    refused = await api.data(DISMISS, {"input": {"ids": [gid]}}, world.riverside.full)
    assert refused["dismissActivities"]["results"][0]["code"] == "REVIEW_REQUIRED"
    # when staff review it (the magnifying glass)
    data = await api.data(REVIEW, {"input": {"id": gid}}, world.riverside.full)
    # then they see the order and its items are pulled from available stock
    assert data["reviewOnlineOrder"] == {
        "order": {
            "total": "25.00",
            "pulledNow": True,
            "lines": [{"productName": "Swim cap", "quantity": 2, "unitPrice": "12.50"}],
        },
        "entry": {"reviewed": True, "availableActions": ["REVIEW", "DISMISS"]},
        "userErrors": [],
    }
    product = await make.load(db, Product, product_id)
    assert product is not None and (product.stock_on_hand, product.stock_held) == (8, 0)
    assert (await make.load(db, OnlineOrder, order_id)).pulled_at is not None  # type: ignore[union-attr]
    # a second review shows the order without pulling again
    again = await api.data(REVIEW, {"input": {"id": gid}}, world.riverside.full)
    assert again["reviewOnlineOrder"]["order"]["pulledNow"] is False
    product = await make.load(db, Product, product_id)
    assert product is not None and product.stock_on_hand == 8
    # and now it can be dismissed
    done = await api.data(DISMISS, {"input": {"ids": [gid]}}, world.riverside.full)
    assert done["dismissActivities"]["dismissedCount"] == 1
    assert await window_ids(api, world.riverside.full) == []


async def test_reviewing_needs_point_of_sale_rights_and_an_order(
    api: Api, world: World, services: Services
) -> None:
    payment = await make.entry(services.database, world.riverside.id, ActivityType.PAYMENT)
    data = await api.data(
        REVIEW, {"input": {"id": make.gid("PAYMENT", payment)}}, world.riverside.full
    )
    assert data["reviewOnlineOrder"]["userErrors"] == [
        {"code": "NOT_AN_ONLINE_ORDER", "field": ["input", "id"]}
    ]
    view_only = await api.data(
        REVIEW, {"input": {"id": make.gid("PAYMENT", payment)}}, world.riverside.view_only
    )
    assert view_only["reviewOnlineOrder"]["userErrors"][0]["code"] == "ACCESS_DENIED"


async def test_old_entries_past_the_window_cannot_be_acted_on(
    api: Api, world: World, services: Services
) -> None:
    old = await make.entry(
        services.database,
        world.riverside.id,
        ActivityType.PAYMENT,
        occurred_at=make.now() - timedelta(days=91),
    )
    data = await api.data(
        DISMISS, {"input": {"ids": [make.gid("PAYMENT", old)]}}, world.riverside.full
    )
    assert data["dismissActivities"]["results"][0]["code"] == "NOT_FOUND"
