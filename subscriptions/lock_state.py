"""The live edit-lock state of one staff member, and the lease's life line.

"To avoid conflicting edits, only the window or the widget is accessible at
any given time, and not both." Each surface subscribes with its lease token:
it hears at once when another surface takes the lock over, and when the
subscription ends (the tab closes, the websocket drops) its lease is
released, so the other surface need not wait for the lease to expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from domain.lock import LockState, lock_state, release_by_token
from domain.viewer import Viewer
from models.base import utcnow
from models.db import Database
from subscriptions.broadcast import Broadcaster, SubscriberOverflow
from subscriptions.channels import lock_channel

logger = logging.getLogger(__name__)

# Re-read a moment after the lease's expiry so the push says it has expired.
EXPIRY_SLACK = timedelta(milliseconds=50)


async def _read(database: Database, staff_id: int) -> LockState:
    async with database.read() as session:
        return await lock_state(session, staff_id, now=utcnow())


def _until_expiry(state: LockState, now: datetime) -> float | None:
    if not state.held or state.expires_at is None:
        return None
    return max((state.expires_at + EXPIRY_SLACK - now).total_seconds(), 0.0)


async def lock_states(
    database: Database,
    broadcaster: Broadcaster,
    viewer: Viewer,
    token: str | None,
    announce: Callable[[int], Awaitable[None]],
) -> AsyncIterator[LockState]:
    """The lock's state now, then on every change (acquired, renewed, taken
    over, released, expired). When it ends, the lease ``token`` names is
    released if it still holds the lock, and ``announce(staff_id)`` tells
    the other surfaces."""
    shown: LockState | None = None
    try:
        while True:
            async with broadcaster.subscribe(lock_channel(viewer.staff_id)) as inbox:
                try:
                    while True:
                        state = await _read(database, viewer.staff_id)
                        if state != shown:
                            shown = state
                            yield state
                        try:
                            # Not asyncio.wait_for: on 3.11 it swallows a
                            # cancellation that comes with a message.
                            async with asyncio.timeout(_until_expiry(state, utcnow())):
                                await anext(inbox)
                        except TimeoutError:
                            pass  # the lease expired unrenewed
                        except StopAsyncIteration:
                            return
                except SubscriberOverflow:
                    continue
    finally:
        if token:
            # Shielded: the operation is being cancelled, and a second
            # cancellation must not leave the lease held until it expires.
            release = asyncio.ensure_future(_release(database, viewer, token, announce))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(release)


async def _release(
    database: Database,
    viewer: Viewer,
    token: str,
    announce: Callable[[int], Awaitable[None]],
) -> None:
    try:
        async with database.write() as session:
            released = await release_by_token(session, viewer.staff_id, token, now=utcnow())
        if released:
            await announce(viewer.staff_id)
    except Exception:
        logger.exception("could not release the edit lock of staff %s", viewer.staff_id)
