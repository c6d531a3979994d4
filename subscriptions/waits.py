"""Bounded waits that keep a cancellation (Python 3.11).

On 3.11 ``asyncio.wait_for`` returns normally when it is cancelled as the
thing it awaits completes (fixed in 3.12): the cancelled task runs on. Our
own waits use ``asyncio.timeout``; redis-py's writes still go through
``wait_for`` (``Connection.send_packed_command`` with a socket timeout), so
a task cancelled as its command is written can come back as if it never was
(``tests/subscriptions/test_cancelled_subscribe.py``).

The same holds for stopping a task: ``task.cancel()`` then ``await task``
under ``suppress(CancelledError)`` also suppresses the caller's own
cancellation if it comes while the task winds down (a shutdown cancelled
meanwhile ran on as if it had not been); ``cancel_and_wait`` does not.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


@contextlib.asynccontextmanager
async def within(seconds: float | None) -> AsyncIterator[None]:
    """``asyncio.timeout(seconds)``, and a cancellation swallowed inside it
    raised after all. Such a request stays counted in the task's
    ``cancelling()``; a timeout's own is not (``asyncio.timeout`` uncancels it)."""
    task = asyncio.current_task()
    before = task.cancelling() if task is not None else 0
    async with asyncio.timeout(seconds):
        yield
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError


async def cancel_and_wait(*tasks: asyncio.Task[Any]) -> list[BaseException | None]:
    """Cancel ``tasks`` and wait until each has ended: what each ended with
    (None: cancelled or returned). A cancellation of the caller meanwhile is
    raised (the tasks still end on their own), never taken for theirs."""
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks)
    return [None if task.cancelled() else task.exception() for task in tasks]


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """``cancel_and_wait`` for one task, raising what it failed with (as
    awaiting it would have)."""
    if task is None:
        return
    (error,) = await cancel_and_wait(task)
    if error is not None:
        raise error
