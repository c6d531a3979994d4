"""Our one door to broadcaster: publish JSON events, subscribe through bounded queues.

What we use of broadcaster is its public interface only: ``BroadcastBackend``
(the transport contract) and ``Event``. The rest of the layer has outgrown it
and is ours, behind this module and its two backends:

- the fan-out to local subscribers, because ``Broadcast.subscribe`` buffers
  into unbounded queues and a slow websocket client would then grow memory
  without limit;
- the Redis backend (``redis_backend``), because broadcaster's loses the first
  subscription with redis-py >= 8 and never reconnects (STACK_NOTES);
- the in-process backend (``memory_backend``), because broadcaster's is not
  part of its public API and delivers differently from Redis.

Both backends still work under ``broadcaster.Broadcast(backend=...)``.
The backend is chosen by URL scheme: ``memory://`` (one process, the embedded
default) or ``redis://`` / ``rediss://`` (``ReliableRedisBackend``).

What a ``Subscription`` yields, a read-only mapping decoded once per process
and shared by every local subscriber of the channel (its nested lists and
objects are shared too: never change them):

- a published message, equal to what was passed to ``publish()``. Messages
  travel as JSON text on every backend, so ``memory://`` behaves exactly like
  Redis: tuples arrive as lists, and values JSON cannot carry (datetimes,
  sets, NaN) raise ``TypeError``/``ValueError`` at ``publish()``.
- ``{"kind": "resync"}``: the connection to Redis was lost and is back, and
  anything published meanwhile is gone (pub/sub is at-most-once). Replay from
  the database's sequence number, then keep reading. A message may arrive
  both just before the marker and in the replay: deduplicate by sequence.
  Publishers must not use ``"kind": "resync"`` for anything else.

How a subscription ends:

- iteration raises ``SubscriberOverflow`` once the subscriber has fallen
  ``queue_size`` messages behind; its buffer is dropped. The websocket layer
  should close the socket with a code that makes the client resync.
- iteration stops when the ``Broadcaster`` disconnects, and raises
  ``BroadcastUnavailable`` if the fan-out loop itself died.
- ``subscribe()`` raises ``BroadcastUnavailable`` if the backend cannot
  register the channel in time; ``publish()`` raises it if it cannot send.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

from broadcaster import BroadcastBackend

from subscriptions.inbox import Inbox
from subscriptions.memory_backend import MemoryBackend
from subscriptions.redis_backend import BroadcastUnavailable, ReliableRedisBackend

__all__ = [
    "RESYNC_KIND",
    "BroadcastUnavailable",
    "Broadcaster",
    "MemoryBackend",
    "ReliableRedisBackend",
    "SubscriberOverflow",
    "Subscription",
    "backend_for_url",
]

logger = logging.getLogger(__name__)

RESYNC_KIND: Final = "resync"
"""``message["kind"]`` of the marker sent after a reconnect: replay from the database."""


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind; its buffered messages were dropped."""


def backend_for_url(url: str) -> BroadcastBackend:
    """Pick the backend by URL scheme (redis-py is imported only by the Redis one)."""
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryBackend(url)
    if scheme in ("redis", "rediss"):
        return ReliableRedisBackend(url)
    raise ValueError(f"unsupported broadcast URL scheme {scheme!r}: use memory:// or redis://")


def _decoded(text: str) -> Mapping[str, Any] | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return MappingProxyType(message) if isinstance(message, dict) else None


@dataclass(frozen=True)
class _End:
    error: type[Exception] | None
    reason: str = ""


class DirectReceiver(Protocol):
    """Who takes a subscriber's messages instead of its inbox while it is
    parked (``subscriptions.direct``): decided per message at dispatch."""

    def dispatched(self, message: Mapping[str, Any]) -> None: ...

    def release(self, replay: bool = True) -> None: ...


class Subscription:
    """One subscriber's messages on one channel, as an async iterator of read-only mappings."""

    # No instance dict: one per subscriber, most of them idle for hours.
    __slots__ = ("_ended", "_entry", "_queue", "_queue_size", "channel", "direct", "newest")

    def __init__(self, channel: str, queue_size: int) -> None:
        self.channel = channel
        self._queue_size = queue_size
        # Decoded once per message for every subscriber of the process, shared
        # read-only; bounded by ``_deliver``, so the end marker always fits.
        # Not an asyncio.Queue: ~3 KiB per idle subscriber (subscriptions/inbox.py).
        self._queue: Inbox[Mapping[str, Any] | _End] = Inbox()
        self._ended = False
        # The last message fanned out to this subscriber, read or not (live lag in /metrics).
        self.newest: Mapping[str, Any] | None = None
        # While set, messages go to it, not to the inbox (``subscriptions.direct``).
        self.direct: DirectReceiver | None = None
        # The channel's entry while open (``Broadcaster.open`` to ``close``).
        self._entry: _Channel | None = None

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Mapping[str, Any]:
        item = await self._queue.get()
        if isinstance(item, _End):
            self._queue.put(item)  # every later read ends the same way
            if item.error is None:
                raise StopAsyncIteration
            raise item.error(item.reason)
        return item

    def _deliver(self, message: Mapping[str, Any]) -> None:
        if self._ended:
            return
        direct = self.direct
        if direct is not None:
            self.newest = message
            direct.dispatched(message)
        elif len(self._queue) >= self._queue_size:
            self._end(SubscriberOverflow, f"more than {self._queue_size} messages behind")
        else:
            self._queue.put(message)
            self.newest = message

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def channel_newest(self) -> Mapping[str, Any] | None:
        """The newest message fanned out on this channel since this process
        subscribed to it (None: none yet, or this subscription is closed)."""
        return None if self._entry is None else self._entry.newest

    @property
    def channel_note(self) -> object | None:
        """A value the channel's readers keep with it while this process stays
        subscribed to it without a loss: gone when it is unsubscribed and when
        a resync marker passes (``subscriptions.activity``: the sequence)."""
        return None if self._entry is None else self._entry.note

    @channel_note.setter
    def channel_note(self, value: object | None) -> None:
        if self._entry is not None:
            self._entry.note = value

    @property
    def is_open(self) -> bool:
        """Between ``Broadcaster.open`` (or ``subscribe``) and its close."""
        return self._entry is not None

    @property
    def backlog(self) -> int:
        """Messages fanned out to this subscriber and not read yet."""
        return len(self._queue)

    def _end(self, error: type[Exception] | None, reason: str = "") -> None:
        if self._ended:
            return
        self._ended = True
        direct, self.direct = self.direct, None
        if direct is not None:
            direct.release(replay=False)  # its reader comes back for the end below
        if error is SubscriberOverflow:
            self._queue.clear()  # free the memory now, not when the reader comes
        self._queue.put(_End(error, f"{self.channel}: {reason}"))


@dataclass
class _Channel:
    # Serialises backend subscribe/unsubscribe of one channel, so dropping to
    # zero subscribers and rising again can't reorder SUBSCRIBE and UNSUBSCRIBE.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    subscribers: set[Subscription] = field(default_factory=set)  # non-empty iff subscribed
    users: int = 0  # subscribe() calls in flight; the entry lives while any is
    # The newest message fanned out since the channel was subscribed here.
    newest: Mapping[str, Any] | None = None
    # A value its readers keep with the channel (``Subscription.channel_note``).
    note: object | None = None


class Broadcaster:
    """Publishes JSON-encoded dicts and fans them out to bounded local subscribers."""

    def __init__(
        self,
        url: str | None = None,
        *,
        backend: BroadcastBackend | None = None,
        queue_size: int = 1000,
        namespace: str = "",
    ) -> None:
        """``namespace`` prefixes every channel on the wire (``<namespace>:<channel>``):
        two installations sharing one Redis use different ones, since Redis
        pub/sub ignores the database number (issue 10)."""
        if backend is None:
            if url is None:
                raise ValueError("Broadcaster needs a url or a backend")
            backend = backend_for_url(url)
        self._backend = backend
        self._queue_size = queue_size
        self._prefix = f"{namespace}:" if namespace else ""
        # By channel name on the wire (namespaced).
        self._channels: dict[str, _Channel] = {}
        self._fan_out_task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Broadcaster:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        await self._backend.connect()
        self._fan_out_task = asyncio.create_task(self._fan_out(), name="broadcast-fan-out")

    async def disconnect(self) -> None:
        """Stop fan-out (open subscriptions stop iterating), then close the backend."""
        if self._fan_out_task is not None:
            self._fan_out_task.cancel()
            await asyncio.gather(self._fan_out_task, return_exceptions=True)
            self._fan_out_task = None
        self._end_all(None, "broadcaster disconnected")
        await self._backend.disconnect()

    @property
    def delivery_epoch(self) -> int | None:
        """None while messages published anywhere cannot reach this process's
        subscribers; otherwise a number that changes whenever some may have
        been lost (a Redis reconnect). Always 0 in memory://."""
        task = self._fan_out_task
        if task is None or task.done():
            return None
        epoch = getattr(self._backend, "delivery_epoch", 0)
        return epoch if isinstance(epoch, int) else None

    @property
    def reconnects(self) -> int:
        """How often the backend lost its connection and came back (0 in memory://)."""
        count = getattr(self._backend, "reconnects", 0)
        return count if isinstance(count, int) else 0

    async def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Send ``message`` to every subscriber of ``channel``, on any process.

        Publish after the transaction commits (STYLE.md): a subscriber may
        read the database as soon as this returns.
        """
        text = json.dumps(dict(message), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        await self._backend.publish(self._prefix + channel, text)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Receive every message published on ``channel`` once this has entered."""
        subscription = await self.open(channel)
        try:
            yield subscription
        finally:
            await self.close(subscription)

    async def open(self, channel: str) -> Subscription:
        """``subscribe`` for a subscription that outlives the code that opened
        it (a parked subscriber, ``subscriptions.direct``): every message
        published on ``channel`` from now on, until ``close``."""
        wire = self._prefix + channel
        entry = self._channels.setdefault(wire, _Channel())
        entry.users += 1
        subscription = Subscription(channel, self._queue_size)
        subscription._entry = entry
        try:
            async with entry.lock:
                if not entry.subscribers:
                    await self._backend.subscribe(wire)
                entry.subscribers.add(subscription)
        except BaseException:
            await self.close(subscription)
            raise
        return subscription

    async def close(self, subscription: Subscription) -> None:
        """The end of ``open``'s subscription (once: closing again does nothing)."""
        entry, subscription._entry = subscription._entry, None
        if entry is None:
            return
        wire = self._prefix + subscription.channel
        try:
            if subscription in entry.subscribers:
                async with entry.lock:
                    entry.subscribers.discard(subscription)
                    if not entry.subscribers:
                        await self._backend.unsubscribe(wire)
        finally:
            subscription._end(None, "unsubscribed")
            entry.users -= 1
            if entry.users == 0 and self._channels.get(wire) is entry:
                del self._channels[wire]

    async def _fan_out(self) -> None:
        try:
            while True:
                event = await self._backend.next_published()
                entry = self._channels.get(event.channel)
                if not entry:
                    continue
                message = _decoded(event.message)
                if message is None:  # only a foreign publisher on our channel can cause this
                    logger.warning("dropped a non-JSON-object message on %r", event.channel)
                    continue
                entry.newest = message
                if message.get("kind") == RESYNC_KIND:
                    entry.note = None  # messages were lost: what it noted may be behind
                for subscription in entry.subscribers:
                    subscription._deliver(message)
        except Exception:
            logger.exception("broadcast fan-out stopped")
            self._end_all(BroadcastUnavailable, "broadcast fan-out stopped")

    def _end_all(self, error: type[Exception] | None, reason: str) -> None:
        for entry in self._channels.values():
            for subscription in entry.subscribers:
                subscription._end(error, reason)
