"""The in-process backend of the embedded default (``memory://``), ours.

broadcaster 0.3.1 exports only ``Broadcast``, ``BroadcastBackend`` and
``Event``; its memory backend lives in the private ``broadcaster._backends``
and may move in any release. Both our backends implement the public
``BroadcastBackend`` interface, so each also works under
``broadcaster.Broadcast(backend=...)``.

It delivers the way Redis pub/sub does, so the embedded default cannot pass
where production would lose a message: a message reaches only the channels
subscribed when it is published (broadcaster's own memory backend filters
when the message is read instead, so a subscription made after a publish
could still receive it). Nothing is queued for a channel nobody listens to.
"""

from __future__ import annotations

import asyncio
from typing import Any

from broadcaster import BroadcastBackend, Event


class MemoryBackend(BroadcastBackend):
    """One process's pub/sub: what ``publish()`` sends, ``next_published()`` returns."""

    def __init__(self, url: str = "memory://") -> None:
        # BroadcastBackend.__init__ only raises NotImplementedError: not called.
        self._subscribed: set[str] = set()
        # Unbounded on purpose, as in the Redis backend: its one consumer (the
        # fan-out loop) never blocks, and each subscriber's own queue is bounded.
        self._published: asyncio.Queue[Event] = asyncio.Queue()

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str) -> None:
        self._subscribed.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._subscribed.discard(channel)

    async def publish(self, channel: str, message: Any) -> None:
        if channel in self._subscribed:
            self._published.put_nowait(Event(channel, message))

    async def next_published(self) -> Event:
        return await self._published.get()
