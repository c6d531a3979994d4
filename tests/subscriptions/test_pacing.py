"""Live deliveries let writes go first only while the loop runs late
(``subscriptions.pacing``).

Issue 10: a write must keep "its own share of the event loop" under
overload; issue 12: fan-out must use what the process has. A delivery
waited for every write in flight (up to ``WRITES_FIRST``) even with the loop
on time, and a subscriber's events go one after another: with portal events
back to back (a write nearly always in flight) each subscriber got at most
1 / ``WRITES_FIRST`` = 4 events a second from an idle server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from subscriptions import pacing


@dataclass
class Lag:
    late: float


def _loop_running(monkeypatch: pytest.MonkeyPatch, late: float) -> None:
    # the loop's lateness as the ticker would measure it; and a wait for
    # writes as long as the test, so waiting or not is all that differs
    monkeypatch.setattr(pacing, "loop_lag", lambda: Lag(late))
    monkeypatch.setattr(pacing, "WRITES_FIRST", 60.0)


async def _deliver(writes_idle: asyncio.Event, delivered: asyncio.Event) -> None:
    async with pacing.delivery_slot(writes_idle):
        delivered.set()


async def test_on_time_a_delivery_does_not_wait_for_the_writes_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a loop on time and a write in flight that does not end
    _loop_running(monkeypatch, late=0.0)
    writes_idle, delivered = asyncio.Event(), asyncio.Event()

    # when a live event is delivered
    task = asyncio.create_task(_deliver(writes_idle, delivered))

    # then it goes at once, beside the write
    await asyncio.wait_for(delivered.wait(), timeout=10)
    assert not writes_idle.is_set()
    await task


async def test_late_a_delivery_waits_for_the_writes_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a loop running late and a write in flight
    _loop_running(monkeypatch, late=1.0)
    writes_idle, delivered = asyncio.Event(), asyncio.Event()

    # when a live event is to be delivered
    task = asyncio.create_task(_deliver(writes_idle, delivered))
    for _ in range(20):
        await asyncio.sleep(0.01)

    # then it waits for the write, and goes once the write is done
    assert not delivered.is_set()
    writes_idle.set()
    await asyncio.wait_for(delivered.wait(), timeout=10)
    await task
