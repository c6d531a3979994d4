"""Live lag as /metrics reports it: published to a subscriber, not yet delivered.

A real feed (``subscriptions.activity``) over a ``memory://`` broadcaster and
the suite's database; the subscriber stops reading while changes go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from domain.journal import Journal, WindowChange
from domain.recording import NewEntry, record_entries
from domain.viewer import viewer_for_token
from domain.vocabulary import ActivityType, WindowStatus
from domain.window import WindowFilter
from models.base import utcnow
from models.db import Database
from subscriptions.activity import activity_events, current_sequence, live_lag
from subscriptions.broadcast import Broadcaster
from subscriptions.publisher import BroadcastPublisher
from tests.support import World


@pytest.fixture
async def database(live_database: str) -> AsyncIterator[Database]:
    database = Database(live_database)
    yield database
    await database.dispose()


async def _record(database: Database, organisation_id: int) -> list[WindowChange]:
    async with database.write() as session:
        journal = Journal(session)
        entry = NewEntry(ActivityType.PAYMENT, WindowStatus.NOTIFICATION, utcnow())
        await record_entries(session, journal, organisation_id, [entry])
    return journal.changes


async def test_live_lag_is_what_a_subscriber_was_sent_and_has_not_taken(
    database: Database, world: World
) -> None:
    organisation = world.harbour.id
    async with database.read() as session:
        viewer = await viewer_for_token(session, world.harbour.full)
    assert viewer is not None
    async with Broadcaster("memory://") as broadcaster:
        publisher = BroadcastPublisher(broadcaster)
        start = await current_sequence(database, organisation)
        feed = activity_events(database, broadcaster, viewer, WindowFilter(), start)
        first = await _record(database, organisation)
        await publisher.publish(first)
        await asyncio.wait_for(anext(feed), 5)
        # given a live subscriber that is up to date
        assert (live_lag().max_sequences, live_lag().queued_messages) == (0, 0)
        assert live_lag().subscribers >= 1

        # when three changes are published while it reads nothing
        for _ in range(3):
            await publisher.publish(await _record(database, organisation))
        await asyncio.sleep(0.05)  # let the fan-out deliver to its queue

        # then it lags three sequence numbers behind, with three messages queued
        lag = live_lag()
        assert (lag.max_sequences, lag.queued_messages) == (3, 3)

        # and when it has read them, it lags no more
        for _ in range(3):
            await asyncio.wait_for(anext(feed), 5)
        assert (live_lag().max_sequences, live_lag().queued_messages) == (0, 0)
        await feed.aclose()  # type: ignore[attr-defined]
