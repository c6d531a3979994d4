"""Live work gives the event loop back to writes when the loop falls behind.

Issue 10: at a portal-event rate above what a process can fan out, "the
event loop is busy with fan-out" and every write, waiting for its turn
between statements, convoys behind the organisation's sequence lock. A
write must keep "its own share of the event loop".

A subscriber with a backlog would deliver it in one go: reading its queue,
executing and sending never waits while there is more, so one task step can
hold the loop for hundreds of events. So every live event first takes a
``turn``: it yields to the loop (each subscriber delivers one event per loop
iteration, between other work), and when the loop is late by more than
``LAG_BOUND`` it waits ``BACKOFF`` first (with jitter, so subscribers do not
wake together), leaving the loop to requests and writes. Once per event, not
until the loop is on time: a process short of CPU for other reasons still
delivers. Deferred events
wait in the subscriber's bounded queue; past its bound the subscriber
catches up from the database later (``subscriptions.activity``): live work
is deferred or shed, never a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final, Protocol

DELIVERY_SLOTS: Final = 8  # live events being executed and sent at once, per process
WRITES_FIRST: Final = 0.25  # the longest a live event waits for the writes in flight
LAG_BOUND: Final = 0.05  # seconds the loop may run late before live work backs off
BACKOFF: Final = 0.1  # seconds a live event waits, on average, while it is late
_TICK: Final = 0.02


class LoopLag:
    """How late this event loop runs, measured by a ticking task."""

    def __init__(self) -> None:
        self.late = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            # A context of its own: it lives as long as the process, and the
            # context of whichever operation started it would keep that
            # operation's sink and execution alive as long.
            self._task = asyncio.get_running_loop().create_task(
                self._tick(), name="loop-lag", context=contextvars.Context()
            )

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            planned = loop.time() + _TICK
            await asyncio.sleep(_TICK)
            self.late = max(0.0, loop.time() - planned)


_LAGS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopLag] = weakref.WeakKeyDictionary()
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def loop_lag() -> LoopLag:
    loop = asyncio.get_running_loop()
    lag = _LAGS.get(loop)
    if lag is None:
        lag = _LAGS[loop] = LoopLag()
    lag.start()
    return lag


async def turn() -> None:
    """Wait for this live event's turn on the loop (see the module docstring)."""
    lag = loop_lag()
    await asyncio.sleep(0)
    if lag.late > LAG_BOUND:
        await asyncio.sleep(BACKOFF * (0.5 + random.random()))


class Writes(Protocol):
    """The process's writes in flight (``models.db.Database``)."""

    writes_in_flight: int
    writes_idle: asyncio.Event


@asynccontextmanager
async def delivery_slot(writes: Writes | None = None) -> AsyncIterator[None]:
    """Hold one of the process's ``DELIVERY_SLOTS`` while an event is
    delivered (a feed holds it across its ``yield``: the GraphQL execution
    and the send happen then). However many subscribers have a backlog, at
    most that many deliveries run between two turns of everything else, so
    a write waits for a few deliveries per step, not for every subscriber's
    backlog. A send to a client that stopped reading holds its slot until
    that socket is closed (``service.backpressure``), then frees it.

    Writes go first when they need it: while writes queue (more than one
    in flight: SQLite's writers wait for the file's lock, which the one
    writing holds across a dozen statements, each a turn of the loop) or the
    loop runs late (short of CPU), the event waits for the writes in flight
    to end, up to ``WRITES_FIRST`` seconds. Otherwise it goes beside the
    one write: a subscriber's events go one after another, so waiting for
    every write in flight capped it at 1 / ``WRITES_FIRST`` events a second
    whenever portal events came back to back.
    """
    if writes is not None and not writes.writes_idle.is_set() and _writes_need_it(writes):
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(WRITES_FIRST):
                await writes.writes_idle.wait()
    await turn()
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(DELIVERY_SLOTS)
    async with slots:
        yield


def _writes_need_it(writes: Writes) -> bool:
    return writes.writes_in_flight > 1 or loop_lag().late > LAG_BOUND
