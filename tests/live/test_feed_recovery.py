"""The feed and lock rules as plain functions: lost pushes, slow subscribers, expiry.

These need no server: a subscriber is ``subscriptions.activity`` over a
``memory://`` broadcaster and the suite's database; the lock is
``domain.lock`` with an explicit clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import delete

from domain import lock
from domain.errors import InvalidRequest
from domain.journal import Journal, WindowChange
from domain.recording import NewEntry, record_entries
from domain.viewer import Viewer, viewer_for_token
from domain.vocabulary import ActivityType, WindowStatus
from domain.window import WindowFilter
from models import ActivityChange
from models.base import utcnow
from models.db import Database
from service.provisioning import FULL_RIGHTS, create_staff
from subscriptions.activity import ActivityEvent, activity_events, current_sequence
from subscriptions.broadcast import Broadcaster
from subscriptions.publisher import BroadcastPublisher
from tests.support import World


@pytest.fixture
async def database(live_database: str) -> AsyncIterator[Database]:
    database = Database(live_database)
    yield database
    await database.dispose()


async def viewer_of(database: Database, token: str) -> Viewer:
    async with database.read() as session:
        viewer = await viewer_for_token(session, token)
    assert viewer is not None
    return viewer


async def record(database: Database, organisation_id: int) -> list[WindowChange]:
    """One entry, recorded without publishing; returns its changes."""
    async with database.write() as session:
        journal = Journal(session)
        entry = NewEntry(ActivityType.PAYMENT, WindowStatus.NOTIFICATION, utcnow())
        await record_entries(session, journal, organisation_id, [entry])
    return journal.changes


async def next_event(feed: AsyncIterator[ActivityEvent]) -> ActivityEvent:
    return await asyncio.wait_for(anext(feed), 5)


async def test_a_lost_push_is_replayed_from_the_database_when_the_next_one_shows_the_gap(
    database: Database, world: World
) -> None:
    organisation = world.harbour.id
    viewer = await viewer_of(database, world.harbour.full)
    async with Broadcaster("memory://") as broadcaster:
        publisher = BroadcastPublisher(broadcaster)
        start = await current_sequence(database, organisation)
        feed = activity_events(database, broadcaster, viewer, WindowFilter(), start)
        first = await record(database, organisation)
        await publisher.publish(first)
        assert (await next_event(feed)).change == first[0]

        # When one push is lost and the next arrives
        lost = await record(database, organisation)
        pushed = await record(database, organisation)
        await publisher.publish(pushed)

        # Then the subscriber still gets both, in order, once
        got = [(await next_event(feed)).change for _ in range(2)]
        assert got == [*lost, *pushed]
        await feed.aclose()  # type: ignore[attr-defined]


async def test_a_subscriber_that_falls_behind_resyncs_from_the_database(
    database: Database, world: World
) -> None:
    organisation = world.harbour.id
    viewer = await viewer_of(database, world.harbour.full)
    # A tiny buffer: two unread messages are the most a subscriber may hold
    async with Broadcaster("memory://", queue_size=2) as broadcaster:
        publisher = BroadcastPublisher(broadcaster)
        start = await current_sequence(database, organisation)
        feed = activity_events(database, broadcaster, viewer, WindowFilter(), start)
        first = await record(database, organisation)
        await publisher.publish(first)
        assert (await next_event(feed)).change == first[0]

        # When five actions are pushed while the subscriber reads nothing
        behind: list[WindowChange] = []
        for _ in range(5):
            changes = await record(database, organisation)
            await publisher.publish(changes)
            await asyncio.sleep(0.01)  # let the fan-out deliver (and overflow)
            behind += changes

        # Then its buffer was dropped, yet it receives every change, in order, once
        got = [(await next_event(feed)).change for _ in behind]
        assert got == behind
        later = await record(database, organisation)
        await publisher.publish(later)
        assert (await next_event(feed)).change == later[0]
        await feed.aclose()  # type: ignore[attr-defined]


async def test_an_expired_lease_is_refused_and_frees_the_lock(
    database: Database, world: World
) -> None:
    async with database.write() as session:
        _, token = await create_staff(
            session,
            organisation_id=world.harbour.id,
            name="Expiring",
            email="expiring@harbour.test",
            permissions=FULL_RIGHTS,
            location_ids=None,
        )
    viewer = await viewer_of(database, token)
    now = utcnow()
    ttl = timedelta(seconds=120)
    async with database.write() as session:
        lease = await lock.acquire(
            session, viewer, lock.Surface.WINDOW, take_over=False, now=now, ttl=ttl
        )
    later = now + ttl + timedelta(seconds=1)

    async with database.write() as session:
        # An action after the lease ran out changes nothing
        with pytest.raises(InvalidRequest) as refused:
            await lock.check_lease(session, viewer, lease.token, now=later)
        assert [p.code for p in refused.value.problems] == ["LOCK_LOST"]
        # the lock shows as free, and the widget gets it without taking over
        assert not (await lock.lock_state(session, viewer.staff_id, now=later)).held
        widget = await lock.acquire(
            session, viewer, lock.Surface.WIDGET, take_over=False, now=later, ttl=ttl
        )
        assert widget.fence == lease.fence + 1
        # and the old holder's dropped connection cannot release the widget's lease
        assert not await lock.release_by_token(session, viewer.staff_id, lease.token, now=later)
        await lock.check_lease(session, viewer, widget.token, now=later)


async def test_a_resume_point_older_than_the_kept_changes_is_told_to_reload(
    database: Database, world: World
) -> None:
    # Given three recorded changes of which the purge has deleted the first two
    organisation = world.harbour.id
    viewer = await viewer_of(database, world.harbour.full)
    for _ in range(3):
        await record(database, organisation)
    async with database.write() as session:
        await session.execute(
            delete(ActivityChange).where(
                ActivityChange.organisation_id == organisation, ActivityChange.sequence <= 2
            )
        )
    async with Broadcaster("memory://") as broadcaster:
        # When a client resumes from before the purge's cut
        stale = activity_events(database, broadcaster, viewer, WindowFilter(), 0)
        # Then it is told to reload rather than replaying a record with a hole
        with pytest.raises(InvalidRequest) as refused:
            await next_event(stale)
        assert [p.code for p in refused.value.problems] == ["RESYNC_REQUIRED"]

        # And a client resuming from the cut itself replays what is kept
        fresh = activity_events(database, broadcaster, viewer, WindowFilter(), 2)
        assert (await next_event(fresh)).change.sequence == 3
        await fresh.aclose()  # type: ignore[attr-defined]
