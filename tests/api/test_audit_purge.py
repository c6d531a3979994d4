"""The audit log through GraphQL, and the retention purge."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update
from strawberry import relay

from domain.retention import purge, run_periodic_purge
from domain.vocabulary import ActivityType
from models import ActivityChange, ActivityEntry, AuditRecord
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

AUDIT = """
query($filter: AuditFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    ... on AuditConnection {
      edges { cursor node { action entryType entryId staffId staffName reason snapshot } }
      pageInfo { hasNextPage endCursor }
    }
    ... on InvalidArguments { userErrors { code field } }
  }
}
"""
DISMISS = """
mutation($ids: [ID!]) {
  dismissActivities(input: {ids: $ids}) { dismissedCount userErrors { code } }
}
"""
DENY = """
mutation($id: ID!) {
  denyActivity(input: {id: $id, reason: "No space"}) { result { outcome } }
}
"""
ME = "{ me { name } }"
BADGE = "{ activityBadge { waiting pending } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def audit(api: Api, token: str, **variables: object) -> dict[str, Any]:
    data = await api.data(AUDIT, dict(variables), token)
    result: dict[str, Any] = data["auditLog"]
    return result


async def test_every_decision_is_in_the_audit_log_with_the_entry_as_it_was(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment request denied and two notifications dismissed
    db, org = services.database, world.riverside.id
    north, south = world.riverside.locations["north"], world.riverside.locations["south"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    request, _ = await make.enrollment_request(
        db, org, north, fam, class_id, notes=("Needs a lane",)
    )
    north_payment = await make.entry(db, org, ActivityType.PAYMENT, location_id=north)
    south_payment = await make.entry(db, org, ActivityType.PAYMENT, location_id=south)
    await api.data(DENY, {"id": make.gid("ENROLLMENT", request)}, world.riverside.full)
    await api.data(
        DISMISS,
        {"ids": [make.gid("PAYMENT", north_payment), make.gid("PAYMENT", south_payment)]},
        world.riverside.full,
    )
    # when the audit log is read, newest first
    log = await audit(api, world.riverside.full)
    nodes = [e["node"] for e in log["edges"]]
    # then it names who did what to which entry, and keeps what the family sent
    assert [(n["action"], n["entryType"]) for n in nodes] == [
        ("DISMISSED", "PAYMENT"),
        ("DISMISSED", "PAYMENT"),
        ("DENIED", "ENROLLMENT"),
    ]
    denied = nodes[2]
    assert denied["entryId"] == make.gid("ENROLLMENT", request)
    assert (denied["staffName"], denied["reason"]) == ("full of riverside", "No space")
    assert denied["snapshot"]["status"] == "PENDING"
    assert denied["snapshot"]["details"]["class_name"] == "Swim 1"
    # the decision, not the notes the denial deleted
    assert denied["snapshot"]["deleted_enrollment"]["notes_deleted"] == 1
    assert denied["snapshot"]["notes"] is None
    assert "Needs a lane" not in str(denied)
    # filters: by action, by type, by staff member, by time
    only_denied = await audit(api, world.riverside.full, filter={"action": ["DENIED"]})
    assert len(only_denied["edges"]) == 1
    by_type = await audit(api, world.riverside.full, filter={"entryType": ["PAYMENT"]})
    assert len(by_type["edges"]) == 2
    staff = await audit(api, world.riverside.full, filter={"staffId": denied["staffId"]}, first=2)
    assert len(staff["edges"]) == 2 and staff["pageInfo"]["hasNextPage"] is True
    rest = await audit(
        api,
        world.riverside.full,
        filter={"staffId": denied["staffId"]},
        after=staff["pageInfo"]["endCursor"],
    )
    assert [e["node"]["action"] for e in rest["edges"]] == ["DENIED"]
    future = (make.now() + timedelta(hours=1)).isoformat()
    assert (await audit(api, world.riverside.full, filter={"from": future}))["edges"] == []
    # scope: a north-only member does not see the south decision; other tenants see nothing
    north_only = await audit(api, world.riverside.north_only)
    assert len(north_only["edges"]) == 2
    assert (await audit(api, world.harbour.full))["edges"] == []
    bad = await audit(api, world.riverside.full, first=101)
    assert bad["userErrors"] == [{"code": "INVALID_PAGE_SIZE", "field": ["first"]}]


async def test_purge_expires_old_entries_deletes_what_is_past_retention_and_is_idempotent(
    api: Api, world: World, services: Services
) -> None:
    db, org = services.database, world.riverside.id
    now = make.now()
    # given an entry still open after 100 days, one dismissed and now 95 days old,
    # a recent one, and an audit record from 800 days ago
    stale = await make.entry(db, org, ActivityType.PAYMENT, occurred_at=now - timedelta(days=100))
    handled = await make.entry(db, org, ActivityType.AUTOPAY)
    await api.data(DISMISS, {"ids": [make.gid("AUTOPAY", handled)]}, world.riverside.full)
    recent = await make.entry(db, org, ActivityType.PAYMENT)
    long_ago = now - timedelta(days=95)
    async with db.write() as session:
        await session.execute(
            update(ActivityEntry).where(ActivityEntry.id == handled).values(occurred_at=long_ago)
        )
        await session.execute(
            update(ActivityChange)
            .where(ActivityChange.entry_id.in_([stale, handled]))
            .values(at=long_ago)
        )
        await session.execute(
            insert(AuditRecord).values(
                organisation_id=org, action="APPROVED", at=now - timedelta(days=800), snapshot={}
            )
        )
    # when two purges run at once, then once more
    first, second = await asyncio.gather(purge(db, now=now), purge(db, now=now))
    third = await purge(db, now=now)
    # then the stale entry was expired exactly once, with an audit record
    assert first.expired + second.expired == 1
    assert first.entries_deleted + second.entries_deleted == 2
    assert first.audit_deleted + second.audit_deleted == 1
    assert (third.expired, third.entries_deleted, third.changes_deleted, third.audit_deleted) == (
        0,
        0,
        0,
        0,
    )
    assert "expired 0 open entries" in str(third)
    expired = await audit(api, world.riverside.full, filter={"action": ["EXPIRED"]})
    [record] = [e["node"] for e in expired["edges"]]
    assert (record["entryId"], record["staffId"]) == (make.gid("PAYMENT", stale), None)
    # and only the recent entry remains, in the window and its badge
    assert await make.count(db, ActivityEntry) == 1
    assert await make.load(db, ActivityEntry, recent) is not None
    assert (await api.data(BADGE, token=world.riverside.full))["activityBadge"]["waiting"] == 1
    assert await make.count(db, ActivityChange, ActivityChange.at < now - timedelta(days=90)) == 0
    assert await make.count(db, AuditRecord, AuditRecord.action == "DISMISSED") == 1


async def test_the_periodic_purge_runs_until_cancelled(world: World, services: Services) -> None:
    stale = await make.entry(
        services.database,
        world.riverside.id,
        ActivityType.PAYMENT,
        occurred_at=make.now() - timedelta(days=120),
    )
    task = asyncio.create_task(run_periodic_purge(services, 60))
    try:
        for _ in range(100):
            if await make.load(services.database, ActivityEntry, stale) is None:
                break
            await asyncio.sleep(0.02)
        assert await make.load(services.database, ActivityEntry, stale) is None
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_staff_ids_in_the_audit_filter_are_checked(api: Api, world: World) -> None:
    bad = await audit(api, world.riverside.full, filter={"staffId": relay.to_base64("Family", 1)})
    assert bad["userErrors"] == [{"code": "NOT_FOUND", "field": ["filter", "staffId"]}]
