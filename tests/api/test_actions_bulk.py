"""Bulk actions item by item, concurrent staff, and the edit lock's fence.

These tests run with the edit lock enforced (the default) and take a lease
the way a window does.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.vocabulary import ActivityType
from models import ActivityEntry, AuditRecord, Enrollment
from service.services import Services
from tests.api import action_factories as make
from tests.support import Api, World

ACQUIRE = """
mutation { acquireEditLock(input: {surface: WINDOW}) { lease { token } userErrors { code } } }
"""
APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) {
    approvedCount results { id outcome code } userErrors { code field }
  }
}
"""
DISMISS = """
mutation($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) {
    dismissedCount results { id outcome code } userErrors { code field }
  }
}
"""
BADGE = "{ activityBadge { waiting pending } }"


async def lease(api: Api, token: str) -> str:
    data = await api.data(ACQUIRE, token=token)
    lock: str = data["acquireEditLock"]["lease"]["token"]
    return lock


async def entry_states(services: Services) -> dict[int, tuple[str | None, int]]:
    async with services.database.read() as session:
        rows = await session.execute(
            select(ActivityEntry.id, ActivityEntry.resolution, ActivityEntry.version)
        )
        return {i: (r, v) for i, r, v in rows}


async def test_a_bulk_action_reports_each_item_and_changes_nothing_else(
    api: Api, world: World, services: Services
) -> None:
    # given, in one window: two notifications, a request, one already dismissed,
    # and an entry of another organisation
    db, org = services.database, world.riverside.id
    north = world.riverside.locations["north"]
    payment = await make.entry(db, org, ActivityType.PAYMENT, location_id=north)
    autopay = await make.entry(db, org, ActivityType.AUTOPAY)
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    running = await make.enrollment(db, org, fam.student_ids[0], class_id)
    drop = await make.drop_request(
        db, org, north, fam, running, drop_date=make.today() + timedelta(days=40)
    )
    done = await make.entry(db, org, ActivityType.NEW_ACCOUNT)
    foreign = await make.entry(db, world.harbour.id, ActivityType.PAYMENT)
    lock = await lease(api, world.riverside.full)
    first = await api.data(
        DISMISS,
        {"input": {"ids": [make.gid("NEW_ACCOUNT", done)], "lockToken": lock}},
        world.riverside.full,
    )
    assert first["dismissActivities"]["dismissedCount"] == 1
    before = await entry_states(services)
    audit_before = await make.count(db, AuditRecord)
    ids = [
        make.gid("PAYMENT", payment),
        make.gid("DROP", drop),
        make.gid("PAYMENT", foreign),
        make.gid("NEW_ACCOUNT", done),
        make.gid("AUTOPAY", autopay),
        make.gid("PAYMENT", 987654),
        "not-an-id",
        make.gid("DROP", payment),  # a real entry under the wrong type
    ]
    # when they are dismissed together
    data = await api.data(DISMISS, {"input": {"ids": ids, "lockToken": lock}}, world.riverside.full)
    # then each item says what happened to it, in the order given
    assert [(r["outcome"], r["code"]) for r in data["dismissActivities"]["results"]] == [
        ("DISMISSED", None),
        ("FAILED", "MUST_APPROVE_OR_DENY"),
        ("FAILED", "NOT_FOUND"),
        ("FAILED", "ALREADY_PROCESSED"),
        ("DISMISSED", None),
        ("FAILED", "NOT_FOUND"),
        ("FAILED", "NOT_FOUND"),
        ("FAILED", "NOT_FOUND"),
    ]
    assert [r["id"] for r in data["dismissActivities"]["results"]] == ids
    # and only the two notifications changed
    after = await entry_states(services)
    changed = {i for i in after if after[i] != before[i]}
    assert changed == {payment, autopay}
    assert after[payment] == ("DISMISSED", before[payment][1] + 1)
    assert await make.count(db, AuditRecord) == audit_before + 2
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"] == {
        "waiting": 1,
        "pending": 1,
    }
    assert (await api.data(BADGE, token=world.harbour.full))["activityBadge"]["waiting"] == 1


async def test_two_staff_approving_one_request_at_once_exactly_one_succeeds(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment request and two staff members with the window open
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north, capacity=10)
    entry_id, enrollment_id = await make.enrollment_request(db, org, north, fam, class_id)
    gid = make.gid("ENROLLMENT", entry_id)
    staff = [world.riverside.full, world.riverside.north_only]
    locks = [await lease(api, token) for token in staff]

    async def approve(token: str, lock: str) -> dict[str, Any]:
        body = await api.post(APPROVE_MANY, {"input": {"ids": [gid], "lockToken": lock}}, token)
        result: dict[str, Any] = body["data"]["approveActivities"]["results"][0]
        return result

    # when both approve it at the same moment
    results = await asyncio.gather(
        *(approve(t, lock) for t, lock in zip(staff, locks, strict=True))
    )
    # then exactly one approval went through, the other was told it was already done
    assert sorted((r["outcome"], r["code"]) for r in results) == [
        ("APPROVED", None),
        ("FAILED", "ALREADY_PROCESSED"),
    ]
    assert (await make.load(db, Enrollment, enrollment_id)).status == "ACTIVE"  # type: ignore[union-attr]
    assert await make.count(db, AuditRecord, AuditRecord.action == "APPROVED") == 1
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"]["pending"] == 0


async def test_an_action_without_the_edit_lock_changes_nothing(
    api: Api, world: World, services: Services
) -> None:
    payment = await make.entry(services.database, world.riverside.id, ActivityType.PAYMENT)
    data = await api.data(
        DISMISS, {"input": {"ids": [make.gid("PAYMENT", payment)]}}, world.riverside.full
    )
    assert data["dismissActivities"]["results"] == []
    assert data["dismissActivities"]["userErrors"][0]["field"] == ["input", "lockToken"]
    assert (await entry_states(services))[payment] == (None, 1)


async def test_selections_are_checked_and_capped(api: Api, world: World) -> None:
    lock = await lease(api, world.riverside.full)
    both = await api.data(
        APPROVE_MANY,
        {"input": {"ids": [make.gid("PAYMENT", 1)], "all": {}, "lockToken": lock}},
        world.riverside.full,
    )
    assert both["approveActivities"]["userErrors"][0]["code"] == "INVALID_SELECTION"
    too_many = await api.data(
        APPROVE_MANY,
        {"input": {"ids": [make.gid("PAYMENT", i) for i in range(501)], "lockToken": lock}},
        world.riverside.full,
    )
    assert too_many["approveActivities"]["userErrors"] == [
        {"code": "TOO_MANY_IDS", "field": ["input", "ids"]}
    ]


WATERMARK_MARK = "{ onlineActivity { ... on ActivityConnection { sequence } } }"


async def test_all_matching_acts_only_with_the_watermark_the_staff_member_saw(
    api: Api, world: World, services: Services
) -> None:
    # given two notifications in the window
    db, org = services.database, world.riverside.id
    payments = [await make.entry(db, org, ActivityType.PAYMENT) for _ in range(2)]
    lock = await lease(api, world.riverside.full)
    before = await entry_states(services)
    # when staff approve or dismiss "all matching" without saying what they saw
    for document, name in ((APPROVE_MANY, "approveActivities"), (DISMISS, "dismissActivities")):
        data = await api.data(
            document, {"input": {"all": {}, "lockToken": lock}}, world.riverside.full
        )
        # then the request is refused as a whole, naming the missing watermark
        assert data[name]["userErrors"] == [
            {"code": "WATERMARK_REQUIRED", "field": ["input", "watermark"]}
        ]
        assert data[name]["results"] == []
    # and nothing changed
    assert await entry_states(services) == before
    # while with the sequence the window was read at, the same dismissal goes through
    seen = (await api.data(WATERMARK_MARK, token=world.riverside.full))["onlineActivity"]
    data = await api.data(
        DISMISS,
        {"input": {"all": {}, "watermark": seen["sequence"], "lockToken": lock}},
        world.riverside.full,
    )
    assert data["dismissActivities"]["dismissedCount"] == len(payments)
