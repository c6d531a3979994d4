"""Where a subscriber starting live starts, without a read, once its process
follows the organisation's channel (``subscriptions.activity.known_sequence``).

Issue 12, memory per idle subscriber: each of a burst of subscribers read the
organisation's sequence, so hundreds of first runs waited at once, each
holding its execution, and the server's RSS kept that peak (``python -m
bench.idle_memory --sockets 1000``: 25 KiB a socket, 31 for the first half).
"""

from __future__ import annotations

import asyncio

import pytest

from domain.journal import WindowChange
from models.db import Database
from service.services import Services
from subscriptions import activity
from subscriptions.activity import SequenceReads, known_sequence
from subscriptions.broadcast import RESYNC_KIND, Broadcaster, Subscription
from subscriptions.channels import changes_message, window_channel
from tests.factories import added_payment
from tests.support import World

CHANNEL = window_channel(4)


def change(sequence: int) -> WindowChange:
    return added_payment(4, sequence)


async def fanned_out(inbox: Subscription) -> None:
    await asyncio.wait_for(anext(inbox), 2)


@pytest.mark.backend_free
async def test_a_noted_sequence_serves_later_starters_while_the_channel_stays_subscribed() -> None:
    async with Broadcaster("memory://") as broadcaster:
        first = await broadcaster.open(CHANNEL)
        # Nothing known before a subscriber has read the sequence and noted it
        assert known_sequence(first) is None
        first.channel_note = 7
        second = await broadcaster.open(CHANNEL)
        assert known_sequence(second) == 7
        # then the changes fanned out since move it on
        await broadcaster.publish(CHANNEL, changes_message(4, [change(8), change(9)]))
        await fanned_out(first)
        await fanned_out(second)
        assert known_sequence(second) == 9
        # and a later starter joining while the first has left still knows it
        await broadcaster.close(first)
        third = await broadcaster.open(CHANNEL)
        assert known_sequence(third) == 9
        # Once nobody on this process follows the channel, nothing is known
        await broadcaster.close(second)
        await broadcaster.close(third)
        again = await broadcaster.open(CHANNEL)
        assert known_sequence(again) is None
        await broadcaster.close(again)


@pytest.mark.backend_free
async def test_a_resync_forgets_the_noted_sequence() -> None:
    async with Broadcaster("memory://") as broadcaster:
        inbox = await broadcaster.open(CHANNEL)
        inbox.channel_note = 7
        # When messages may have been lost (what a Redis reconnect announces)
        await broadcaster.publish(CHANNEL, {"kind": RESYNC_KIND})
        await fanned_out(inbox)
        # then the next starter reads the sequence again
        assert known_sequence(inbox) is None
        await broadcaster.close(inbox)
        # and a closed subscription neither knows nor notes anything
        inbox.channel_note = 3
        assert known_sequence(inbox) is None


async def test_starters_asking_in_the_same_turn_share_one_read(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    read = activity.current_sequence

    async def counted(database: Database, organisation_id: int) -> int:
        reads.append(organisation_id)
        return await read(database, organisation_id)

    monkeypatch.setattr(activity, "current_sequence", counted)
    shared = SequenceReads()
    organisation = world.riverside.id
    expected = await read(services.database, organisation)
    # When 50 subscribers of one organisation ask at once
    answers = await asyncio.gather(
        *(shared.current(services.database, organisation) for _ in range(50))
    )
    # then one read answers them all, with the organisation's sequence
    assert reads == [organisation]
    assert answers == [expected] * 50
    # and one asking after that read has started gets a read of its own
    assert await shared.current(services.database, organisation) == expected
    assert reads == [organisation, organisation]
