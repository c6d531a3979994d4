"""The set-based mass path: audit snapshots built by the database equal the
ones built from loaded entries, and results show entries only when asked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from domain import audit
from domain.listed import dialect_of, listed_versions
from domain.viewer import viewer_for_token
from domain.vocabulary import ActivityType, WindowStatus
from models import ActivityEntry, AuditRecord
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

DISMISS_ALL = """
mutation($seen: Int) {
  dismissActivities(input: {all: {status: NOTIFICATION}, watermark: $seen}) {
    dismissedCount
    results { id outcome code entry { __typename ... on ActivityEntry { version } } }
    userErrors { code }
  }
}
"""
AUDIT = """
{ auditLog(first: 50) { ... on AuditConnection { edges { node {
  action entryId staffName reason snapshot } } } } }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def varied_entries(services: Services, world: World) -> list[int]:
    """Entries whose snapshots exercise every kind of value: text needing
    escapes, nested details, null links, whole and fractional seconds."""
    db, org = services.database, world.riverside.id
    north = world.riverside.locations["north"]
    fam = await make.family(db, org)
    whole_second = (make.now() - timedelta(days=2)).replace(microsecond=0)
    return [
        await make.entry(
            db,
            org,
            ActivityType.PAYMENT,
            location_id=north,
            family_id=fam.id,
            student_id=fam.student_ids[0],
            notes='Paid "in full" \\ with a note: ünïcode, emoji \U0001f30a',
            details={"amount": "12.50", "nested": {"list": [1, 2.5, None, True]}, "k": "é"},
            occurred_at=whole_second,
        ),
        await make.entry(db, org, ActivityType.AUTOPAY, details={}),
        await make.entry(
            db,
            org,
            ActivityType.DROP,
            status=WindowStatus.PENDING,
            location_id=north,
            details={"drop_date": "2030-01-01", "reason": None},
        ),
    ]


async def test_snapshots_written_by_sql_equal_those_built_from_loaded_entries(
    services: Services, world: World
) -> None:
    # given entries with every kind of value
    ids = await varied_entries(services, world)
    at = make.now()
    async with services.database.write() as session:
        viewer = await viewer_for_token(session, world.riverside.full)
        assert viewer is not None
        rows = list(
            await session.scalars(
                select(ActivityEntry).where(ActivityEntry.id.in_(ids)).order_by(ActivityEntry.id)
            )
        )
        # when each is audited both ways: from the loaded entry, and by SQL
        action = audit.AuditAction.DISMISSED
        await audit.write(
            session,
            [audit.entry_record(r, action, viewer=viewer, at=at, reason="why") for r in rows],
        )
        listed = listed_versions(dialect_of(session), [(r.id, r.version) for r in rows])
        await audit.write_listed(session, listed, action, viewer=viewer, at=at, reason="why")
    # then the two records of each entry read back identical, field by field
    async with services.database.read() as session:
        records = list(await session.scalars(select(AuditRecord).order_by(AuditRecord.id)))
    columns = "organisation_id action entry_id entry_type location_id staff_id staff_name"
    columns += " at reason snapshot"

    def as_read(record: AuditRecord) -> tuple[Any, ...]:
        return tuple(getattr(record, name) for name in columns.split())

    python, sql = records[: len(ids)], records[len(ids) :]
    assert [r.entry_id for r in sql] == sorted(ids)
    assert [as_read(r) for r in sql] == [as_read(r) for r in python]
    # a whole second has no fraction, as ``datetime.isoformat`` writes it
    assert sql[0].snapshot["occurred_at"].endswith("+00:00")
    assert "." not in sql[0].snapshot["occurred_at"]
    assert "." in sql[1].snapshot["occurred_at"]
    assert sql[0].snapshot["details"]["nested"] == {"list": [1, 2.5, None, True]}


async def test_dismiss_all_shows_entries_as_they_are_now_only_when_asked(
    api: Api, world: World, services: Services
) -> None:
    # given two notifications and a pending request
    db, org = services.database, world.riverside.id
    first = await make.entry(db, org, ActivityType.PAYMENT)
    second = await make.entry(db, org, ActivityType.AUTOPAY)
    await make.entry(db, org, ActivityType.DROP, status=WindowStatus.PENDING)
    # when all notifications are dismissed, asking for the entries
    seen = {"seen": await api.window_sequence(world.riverside.full)}
    data = await api.data(DISMISS_ALL, seen, token=world.riverside.full)
    payload = data["dismissActivities"]
    # then each result shows its entry after the dismissal (version bumped)
    assert payload["dismissedCount"] == 2
    assert [(r["id"], r["outcome"], r["entry"]) for r in payload["results"]] == [
        (make.gid("PAYMENT", first), "DISMISSED", {"__typename": "PaymentActivity", "version": 2}),
        (make.gid("AUTOPAY", second), "DISMISSED", {"__typename": "AutopayActivity", "version": 2}),
    ]
    # and the audit log has each entry as it was, written by the set-based path
    log = await api.data(AUDIT, token=world.riverside.full)
    nodes = [e["node"] for e in log["auditLog"]["edges"]]
    assert sorted(n["entryId"] for n in nodes) == sorted(
        [make.gid("PAYMENT", first), make.gid("AUTOPAY", second)]
    )
    assert {n["snapshot"]["version"] for n in nodes} == {1}
    assert {n["action"] for n in nodes} == {"DISMISSED"}


DISMISS_ALL_BY_FRAGMENT = """
mutation($seen: Int) { dismissActivities(input: {all: {}, watermark: $seen}) { ...Dismissed } }
fragment Dismissed on DismissActivitiesPayload {
  dismissedCount results { ... on ActionResult { entry { ... on ActivityEntry { version } } } }
}
"""


async def test_entries_asked_for_through_fragments_are_shown(
    api: Api, world: World, services: Services
) -> None:
    # given a notification
    await make.entry(services.database, world.riverside.id, ActivityType.PAYMENT)
    # when all are dismissed, the entry selected inside fragments
    seen = {"seen": await api.window_sequence(world.riverside.full)}
    data = await api.data(DISMISS_ALL_BY_FRAGMENT, seen, token=world.riverside.full)
    # then the entry is shown, as it is after the dismissal
    assert data["dismissActivities"]["results"] == [{"entry": {"version": 2}}]
