"""When a kept badge answers, and when it is read again (``domain.badges``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from domain.badges import BadgeCache, BadgeReading
from domain.viewer import Viewer
from domain.window_counts import Badge

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def viewer(organisation_id: int = 1, locations: frozenset[int] | None = None) -> Viewer:
    return Viewer(
        staff_id=7,
        organisation_id=organisation_id,
        name="Staff",
        permissions={},
        location_ids=locations,
    )


class Clock:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class Database:
    """Counts reads and answers the badge it is told, at a sequence number."""

    def __init__(self) -> None:
        self.waiting = 3
        self.sequence = 10
        self.keep_until: datetime | None = None
        self.reads = 0
        self.during_read: list[Callable[[], None]] = []

    async def read(self) -> BadgeReading:
        self.reads += 1
        for action in self.during_read:
            action()
        self.during_read = []
        return BadgeReading(Badge(self.waiting, 1), self.sequence, self.keep_until)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def database() -> Database:
    return Database()


def watched_cache(clock: Clock, *organisations: int) -> BadgeCache:
    cache = BadgeCache(5.0, clock=clock)
    for organisation_id in organisations or (1,):
        cache.watching(organisation_id)
    return cache


async def test_a_watched_organisation_s_badge_is_read_once_until_it_changes(
    clock: Clock, database: Database
) -> None:
    cache = watched_cache(clock)
    assert await cache.badge(viewer(), NOW, database.read) == Badge(3, 1)
    database.waiting = 4  # not heard of yet
    assert await cache.badge(viewer(), NOW, database.read) == Badge(3, 1)
    assert database.reads == 1

    cache.forget(1)
    assert await cache.badge(viewer(), NOW, database.read) == Badge(4, 1)
    assert database.reads == 2


async def test_nothing_is_kept_for_an_organisation_nobody_listens_to(
    clock: Clock, database: Database
) -> None:
    watched: list[int] = []
    cache = BadgeCache(5.0, watched.append, clock=clock)
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 2
    assert watched == [1, 1]  # asked to listen; kept only once listening

    cache.watching(1)
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 3

    cache.unwatched(1)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 4


async def test_a_value_read_across_a_change_is_not_kept(clock: Clock, database: Database) -> None:
    cache = watched_cache(clock)
    database.during_read = [lambda: cache.forget(1)]
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 2


async def test_a_reader_that_knows_a_later_sequence_reads_again(
    clock: Clock, database: Database
) -> None:
    cache = watched_cache(clock)
    await cache.badge(viewer(), NOW, database.read)
    assert await cache.badge(viewer(), NOW, database.read, at_least=10) == Badge(3, 1)
    assert database.reads == 1
    database.sequence, database.waiting = 11, 5
    assert await cache.badge(viewer(), NOW, database.read, at_least=11) == Badge(5, 1)
    assert database.reads == 2


async def test_the_value_expires_with_its_oldest_entry_and_after_the_time_limit(
    clock: Clock, database: Database
) -> None:
    cache = watched_cache(clock)
    database.keep_until = NOW + timedelta(hours=1)
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW + timedelta(minutes=59), database.read)
    assert database.reads == 1
    await cache.badge(viewer(), NOW + timedelta(hours=1), database.read)  # an entry ages out
    assert database.reads == 2

    clock.value += 5.0  # the safety net: kept at most `seconds`
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 3


async def test_location_scopes_and_organisations_are_kept_apart(
    clock: Clock, database: Database
) -> None:
    cache = watched_cache(clock, 1, 2)
    north = viewer(locations=frozenset({5}))
    await cache.badge(viewer(), NOW, database.read)
    database.waiting = 1
    assert await cache.badge(north, NOW, database.read) == Badge(1, 1)
    database.waiting = 9
    assert await cache.badge(viewer(organisation_id=2), NOW, database.read) == Badge(9, 1)
    assert await cache.badge(viewer(), NOW, database.read) == Badge(3, 1)
    assert database.reads == 3

    cache.forget(2)  # another organisation's change leaves organisation 1 kept
    assert await cache.badge(north, NOW, database.read) == Badge(1, 1)
    cache.forget()  # a resync: anything may have changed
    assert await cache.badge(north, NOW, database.read) == Badge(9, 1)
    assert database.reads == 4


async def test_zero_seconds_keeps_nothing(database: Database) -> None:
    cache = BadgeCache(0.0)
    cache.watching(1)
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 2


async def test_nothing_is_kept_while_changes_cannot_arrive_nor_answered_after_a_reconnect(
    clock: Clock, database: Database
) -> None:
    delivery: list[int | None] = [1]
    cache = BadgeCache(5.0, clock=clock, delivery=lambda: delivery[0])
    cache.watching(1)
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 1

    delivery[0] = None  # Redis unreachable: messages may be lost
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 3

    delivery[0] = 2  # reconnected: what was read before is not answered
    await cache.badge(viewer(), NOW, database.read)
    await cache.badge(viewer(), NOW, database.read)
    assert database.reads == 4
