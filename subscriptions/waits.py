"""Bounded waits that keep a cancellation (Python 3.11).

On 3.11 ``asyncio.wait_for`` returns normally when it is cancelled as the
thing it awaits completes (fixed in 3.12): the cancelled task runs on. Our
own waits use ``asyncio.timeout``; redis-py's writes still go through
``wait_for`` (``Connection.send_packed_command`` with a socket timeout), so
a task cancelled as its command is written can come back as if it never was
(``tests/subscriptions/test_cancelled_subscribe.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


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
