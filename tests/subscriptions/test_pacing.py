"""Live deliveries let writes go first when the writes need it
(``subscriptions.pacing``).

Issue 10: a write must keep "its own share of the event loop" under
overload; issue 12: fan-out must use what the process has. A delivery
waited for every write in flight (up to ``WRITES_FIRST``), and a
subscriber's events go one after another: with portal events back to back
(a write nearly always in flight) each subscriber got at most
1 / ``WRITES_FIRST`` = 4 events a second from an idle server. Now it waits
only while writes queue or the loop runs late.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from subscriptions import pacing


@dataclass
class Lag:
    late: float


@dataclass
class Writes:
    writes_in_flight: int
    writes_idle: asyncio.Event = field(default_factory=asyncio.Event)  # clear: in flight


def _loop_running(monkeypatch: pytest.MonkeyPatch, late: float) -> None:
    # the loop's lateness as the ticker would measure it; and a wait for
    # writes as long as the test, so waiting or not is all that differs
    monkeypatch.setattr(pacing, "loop_lag", lambda: Lag(late))
    monkeypatch.setattr(pacing, "WRITES_FIRST", 60.0)


async def _deliver(writes: Writes, delivered: asyncio.Event) -> None:
    async with pacing.delivery_slot(writes):
        delivered.set()


async def test_on_time_a_delivery_goes_beside_the_one_write_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a loop on time and one write in flight that does not end
    _loop_running(monkeypatch, late=0.0)
    writes, delivered = Writes(writes_in_flight=1), asyncio.Event()

    # when a live event is delivered
    task = asyncio.create_task(_deliver(writes, delivered))

    # then it goes at once, beside the write
    await asyncio.wait_for(delivered.wait(), timeout=10)
    assert not writes.writes_idle.is_set()
    await task


@pytest.mark.parametrize(
    ("late", "in_flight"), [(1.0, 1), (0.0, 3)], ids=["loop late", "writes queued"]
)
async def test_a_delivery_waits_for_writes_that_need_the_loop(
    monkeypatch: pytest.MonkeyPatch, late: float, in_flight: int
) -> None:
    # given a loop running late, or writes queued one behind another
    _loop_running(monkeypatch, late=late)
    writes, delivered = Writes(writes_in_flight=in_flight), asyncio.Event()

    # when a live event is to be delivered
    task = asyncio.create_task(_deliver(writes, delivered))
    for _ in range(20):
        await asyncio.sleep(0.01)

    # then it waits for the writes, and goes once they are done
    assert not delivered.is_set()
    writes.writes_in_flight = 0
    writes.writes_idle.set()
    await asyncio.wait_for(delivered.wait(), timeout=10)
    await task
