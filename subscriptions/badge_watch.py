"""Tells this process's badge cache of every change, made on any process.

``domain.badges.BadgeCache`` keeps a badge until its organisation changes.
Changes made here are forgotten right after their commit
(``Services.publish``); those made by other server processes arrive as the
organisation's window-channel messages, which this module listens to, one
subscription per organisation whose badge is kept. A resync marker (Redis
was unreachable and is back) forgets the organisation's values too, and a
listener that ends for any reason unwatches its organisation, so nothing is
kept for it until it listens again.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import OrderedDict

from domain.badges import BadgeCache
from subscriptions.broadcast import Broadcaster, BroadcastUnavailable, SubscriberOverflow
from subscriptions.channels import window_channel
from subscriptions.waits import cancel_and_wait

logger = logging.getLogger(__name__)

# Organisations listened to per process; the least recently asked for is dropped.
WATCHED_KEPT = 1024


class BadgeWatch:
    def __init__(
        self, broadcaster: Broadcaster, seconds: float, watched: int = WATCHED_KEPT
    ) -> None:
        self.broadcaster = broadcaster
        self.cache = BadgeCache(seconds, self.watch, delivery=lambda: broadcaster.delivery_epoch)
        self._watched = watched
        self._listeners: OrderedDict[int, asyncio.Task[None]] = OrderedDict()

    def watch(self, organisation_id: int) -> None:
        """Listen to the organisation's changes (once listening, its badges are kept)."""
        listener = self._listeners.get(organisation_id)
        if listener is not None and not listener.done():
            self._listeners.move_to_end(organisation_id)
            return
        # A context of its own: it outlives the subscriber that started it.
        self._listeners[organisation_id] = asyncio.get_running_loop().create_task(
            self._listen(organisation_id),
            name=f"badge-watch-{organisation_id}",
            context=contextvars.Context(),
        )
        while len(self._listeners) > self._watched:
            _, oldest = self._listeners.popitem(last=False)
            oldest.cancel()

    async def _listen(self, organisation_id: int) -> None:
        try:
            async with self.broadcaster.subscribe(window_channel(organisation_id)) as inbox:
                self.cache.watching(organisation_id)
                async for _message in inbox:
                    self.cache.forget(organisation_id)
        except (BroadcastUnavailable, SubscriberOverflow) as ended:
            logger.info("badge watch of organisation %s ended: %s", organisation_id, ended)
        finally:
            self.cache.unwatched(organisation_id)

    async def stop(self) -> None:
        listeners = list(self._listeners.values())
        self._listeners.clear()
        await cancel_and_wait(*listeners)
