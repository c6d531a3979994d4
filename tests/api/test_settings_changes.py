"""Which entries a settings change journals as changed (through HTTP).

A drop entry shows what the settings decide (its notice period, request day,
missed criteria): a change journals CHANGED, reason SETTINGS_CHANGED, for
each open entry in the window that now reads differently, and for nothing
else, in the record live clients replay from. The live push itself is
tested through real server processes in ``tests/live/test_settings_changes.py``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.vocabulary import ActivityType, Resolution
from models import ActivityChange, ActivityEntry
from service.services import Services
from tests.api import action_factories as make
from tests.api.settings_support import set_settings, update_settings
from tests.support import Api, World

DROP_FIELDS = """
query($id: ID!) { node(id: $id) { ... on DropActivity { missedCriteria { code } } } }
"""


async def drop_with_reason(services: Services, world: World, reason: str | None) -> int:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    return await make.drop_request(
        db,
        org,
        north,
        fam,
        enrollment_id,
        drop_date=make.today() + timedelta(days=60),
        reason=reason,
    )


async def settings_changes(services: Services) -> list[tuple[int, str, str]]:
    """(entry id, change, reason) of the SETTINGS_CHANGED records, in sequence."""
    async with services.database.read() as session:
        rows = await session.execute(
            select(ActivityChange.entry_id, ActivityChange.change, ActivityChange.reason)
            .where(ActivityChange.reason == "SETTINGS_CHANGED")
            .order_by(ActivityChange.sequence)
        )
        return [(r.entry_id, r.change, r.reason) for r in rows]


async def test_a_change_of_the_valid_reasons_journals_the_drops_it_changes(
    api: Api, world: World, services: Services
) -> None:
    # given open drops giving "Moving away", "Cost" and no reason, a processed
    # drop, and an open entry of another kind
    moving = await drop_with_reason(services, world, "Moving away")
    cost = await drop_with_reason(services, world, "Cost")
    await drop_with_reason(services, world, None)
    processed = await drop_with_reason(services, world, "Cost")
    async with services.database.write() as session:
        entry = await session.get_one(ActivityEntry, processed)
        entry.resolution, entry.processed_at = Resolution.DENIED, make.now()
    await make.entry(services.database, world.riverside.id, ActivityType.PAYMENT)

    # when the school lists its valid reasons
    await set_settings(api, world.riverside, dropReasons=["Moving away"])

    # then only the open drop whose reason is no longer valid changed, and it says so
    assert await settings_changes(services) == [(cost, "CHANGED", "SETTINGS_CHANGED")]
    shown = await api.data(DROP_FIELDS, {"id": make.gid("DROP", cost)}, world.riverside.full)
    assert shown["node"]["missedCriteria"] == [{"code": "INVALID_DROP_REASON"}]
    unchanged = await api.data(DROP_FIELDS, {"id": make.gid("DROP", moving)}, world.riverside.full)
    assert unchanged["node"]["missedCriteria"] == []


async def test_a_notice_period_change_journals_every_open_drop_once(
    api: Api, world: World, services: Services
) -> None:
    # given two open drops (each shows the notice period the school asks)
    first = await drop_with_reason(services, world, "Moving away")
    second = await drop_with_reason(services, world, None)

    # when the notice period changes, together with a setting no entry shows
    await set_settings(api, world.riverside, dropNoticeDays=10, punchPassEnrollments=False)

    # then each is journaled once, in id order
    assert await settings_changes(services) == [
        (first, "CHANGED", "SETTINGS_CHANGED"),
        (second, "CHANGED", "SETTINGS_CHANGED"),
    ]


async def test_changes_that_no_entry_shows_or_that_are_refused_journal_nothing(
    api: Api, world: World, services: Services
) -> None:
    # given an open drop
    await drop_with_reason(services, world, "Moving away")

    # when a setting no entry shows changes, a change changes nothing, and one is refused
    await set_settings(api, world.riverside, requireSavedPaymentMethod=True)
    await set_settings(api, world.riverside, dropNoticeDays=30, timeZone="UTC")
    refused = await update_settings(api, world.riverside.full, dropNoticeDays=-1)
    assert refused["userErrors"]

    # then no entry is journaled as changed
    assert await settings_changes(services) == []
