"""A mass action writes each of its rows once, in a number of statements that
does not grow with the entries it covers (issue 12: "mass approve / dismiss
of 5,000 entries <= 3x one raw UPDATE of the same rows"), and its sequence
numbers are still final, consecutive and in commit order
(``domain.sequencing``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, func, select

from domain.actions.closing import LostUpdate, close_listed
from domain.actions.facts import EntryFacts
from domain.viewer import viewer_for_token
from domain.vocabulary import ActivityType, Resolution, WindowStatus
from models import ActivityChange, ActivityEntry, AuditRecord, Organisation
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

DISMISS_ALL = """
mutation($seen: Int) {
  dismissActivities(input: {all: {status: NOTIFICATION}, watermark: $seen}) {
    dismissedCount userErrors { code }
  }
}
"""
APPROVE_ALL = """
mutation($seen: Int) {
  approveActivities(input: {all: {status: PENDING}, watermark: $seen}) {
    approvedCount userErrors { code }
  }
}
"""
_WRITE = re.compile(r"\b(INSERT INTO|UPDATE)\s+(\w+)", re.IGNORECASE)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


@dataclass
class Writes:
    statements: int = 0
    # (table, "INSERT"/"UPDATE") -> [rows of each statement]
    rows: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def of(self, table: str, verb: str) -> list[int]:
        return self.rows.get((table, verb), [])


@contextmanager
def counted(services: Services) -> Iterator[Writes]:
    """Every statement the write engine runs, and the rows each write reports."""
    writes = Writes()
    engine = services.database.write_engine.sync_engine

    def after(_conn: Any, cursor: Any, sql: str, *_rest: Any) -> None:
        writes.statements += 1
        found = _WRITE.findall(sql)
        for verb, table in found:
            # A statement writing several tables (a CTE) reports no rows of each.
            rows = cursor.rowcount if len(found) == 1 else -1
            writes.rows.setdefault((table, verb.split()[0].upper()), []).append(rows)

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield writes
    finally:
        event.remove(engine, "after_cursor_execute", after)


async def _notifications(services: Services, world: World, count: int) -> list[int]:
    db, org = services.database, world.riverside.id
    return [await make.entry(db, org, ActivityType.PAYMENT) for _ in range(count)]


async def _appointment_requests(services: Services, world: World, count: int) -> list[int]:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    ids = []
    for _ in range(count):
        booking_id = await make.booking(db, org, north, fam)
        ids.append(
            await make.entry(
                db,
                org,
                ActivityType.APPOINTMENT,
                status=WindowStatus.PENDING,
                location_id=north,
                family_id=fam.id,
                appointment_id=booking_id,
            )
        )
    return ids


async def _numbers_are_final(services: Services, world: World, ids: list[int]) -> None:
    """Each closed entry's ``updated_seq`` is its REMOVED change's number; the
    numbers are consecutive, positive and end at the organisation's."""
    async with services.database.read() as session:
        removed = dict(
            (
                await session.execute(
                    select(ActivityChange.entry_id, ActivityChange.sequence).where(
                        ActivityChange.entry_id.in_(ids), ActivityChange.change == "REMOVED"
                    )
                )
            ).all()
        )
        stamped = dict(
            (
                await session.execute(
                    select(ActivityEntry.id, ActivityEntry.updated_seq).where(
                        ActivityEntry.id.in_(ids)
                    )
                )
            ).all()
        )
        last = await session.scalar(
            select(Organisation.activity_seq).where(Organisation.id == world.riverside.id)
        )
        negative = await session.scalar(
            select(func.count()).select_from(ActivityChange).where(ActivityChange.sequence < 0)
        )
    numbers = sorted(removed.values())
    assert stamped == removed
    assert numbers == list(range(numbers[0], numbers[0] + len(ids)))
    assert numbers[0] > 0 and numbers[-1] == last
    assert negative == 0


@pytest.mark.parametrize(
    ("document", "make_entries", "counted_field"),
    [
        (DISMISS_ALL, _notifications, "dismissedCount"),
        (APPROVE_ALL, _appointment_requests, "approvedCount"),
    ],
    ids=["dismiss", "approve"],
)
async def test_a_mass_action_writes_each_row_once_in_statements_independent_of_its_size(
    api: Api, world: World, services: Services, document: str, make_entries: Any, counted_field: str
) -> None:
    runs: list[tuple[Writes, list[int]]] = []
    for size in (2, 9):
        # given `size` entries the action covers
        ids = await make_entries(services, world, size)
        seen = {"seen": await api.window_sequence(world.riverside.full)}
        # when all of them are acted on at once
        with counted(services) as writes:
            data = await api.data(document, seen, token=world.riverside.full)
        payload = next(iter(data.values()))
        assert payload["userErrors"] == [] and payload[counted_field] == size
        runs.append((writes, ids))
        # then each entry and its change row were written once, with final numbers
        assert writes.of("activity_entries", "UPDATE") == [size]
        assert writes.of("activity_changes", "INSERT") == [size]
        assert writes.of("activity_changes", "UPDATE") == []
        assert writes.of("audit_records", "INSERT") == [size]
        await _numbers_are_final(services, world, ids)
    # and the number of statements does not grow with the entries
    (small, _), (large, _) = runs
    assert large.statements == small.statements


async def test_a_deferred_close_that_finds_an_entry_changed_commits_nothing(
    services: Services, world: World
) -> None:
    # given a notification, and what the action read of it at a version it no longer has
    db, org = services.database, world.riverside.id
    [entry_id] = await _notifications(services, world, 1)
    async with db.read() as session:
        before = await session.scalar(
            select(Organisation.activity_seq).where(Organisation.id == org)
        )
        columns = await session.execute(
            select(*EntryFacts.columns()).where(ActivityEntry.id == entry_id)
        )
        facts = EntryFacts._make(columns.one())._replace(version=7)
    # when it is closed with its writes deferred to the seal
    with pytest.raises(LostUpdate):
        async with db.write() as session:
            viewer = await viewer_for_token(session, world.riverside.full)
            await close_listed(
                session, [facts], Resolution.DISMISSED, viewer=viewer, now=make.now(), deferred=True
            )
    # then the seal refused it and nothing of the unit of work was committed
    async with db.read() as session:
        assert (
            await session.scalar(
                select(ActivityEntry.resolution).where(ActivityEntry.id == entry_id)
            )
            is None
        )
        assert await session.scalar(select(func.count()).select_from(AuditRecord)) == 0
        removed = (
            select(func.count())
            .select_from(ActivityChange)
            .where(ActivityChange.change == "REMOVED")
        )
        assert await session.scalar(removed) == 0
        assert (
            await session.scalar(select(Organisation.activity_seq).where(Organisation.id == org))
            == before
        )
