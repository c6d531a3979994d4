"""Stopping a task keeps the stopper's own cancellation (``subscriptions.waits``).

``task.cancel()`` then ``await task`` under ``suppress(CancelledError)``
cannot tell the task's cancellation from its caller's: a shutdown cancelled
while a watcher winds down ran on as if nobody had cancelled it. The stops
of the socket rights watch, the badge watch, the socket quota, the Redis
backend and the services' background tasks go through ``cancel_and_wait``.
"""

from __future__ import annotations

import asyncio

import pytest

from service.socket_rights import RightsWatch
from subscriptions.waits import cancel_and_wait, stop_task


async def _slow_to_stop(stopping: asyncio.Event) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        stopping.set()
        await asyncio.sleep(0.2)  # (its cleanup takes a while, uncancelled)


async def test_a_stopper_cancelled_while_the_task_winds_down_stays_cancelled() -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(_slow_to_stop(stopping))
    await asyncio.sleep(0)
    stopper = asyncio.create_task(cancel_and_wait(task))
    await stopping.wait()
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopper
    assert stopper.cancelled()
    await asyncio.wait([task])  # the task itself still ends, cancelled
    assert task.cancelled()


async def test_what_each_task_ended_with_is_returned() -> None:
    async def fails() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            raise ValueError("in its cleanup")

    async def waits() -> None:
        await asyncio.Event().wait()

    failing, waiting = asyncio.create_task(fails()), asyncio.create_task(waits())
    await asyncio.sleep(0)
    ended = await cancel_and_wait(failing, waiting)
    assert isinstance(ended[0], ValueError) and ended[1] is None
    started = asyncio.create_task(fails())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="in its cleanup"):
        await stop_task(started)


async def test_the_rights_watch_closing_keeps_a_cancellation_of_its_closer() -> None:
    # Given a rights watch whose round is under way (its resolver waits)
    resolving = asyncio.Event()

    async def resolve(tokens: object) -> dict[str, object]:
        resolving.set()
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.2)
        return {}

    watch = RightsWatch(resolve, interval=0.01)  # type: ignore[arg-type]
    watch.add("token", _Socket())  # type: ignore[arg-type]
    await asyncio.wait_for(resolving.wait(), 5)
    # When the task closing it is cancelled while the round winds down
    closing = asyncio.create_task(watch.aclose())
    await asyncio.sleep(0.05)
    closing.cancel()
    # Then that task ends cancelled, not as if it had closed in peace
    with pytest.raises(asyncio.CancelledError):
        await closing


class _Socket:
    """What the watch reads of a socket it is given (its context's viewer)."""

    class context:
        viewer = None
