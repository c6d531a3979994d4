"""A Redis pub/sub backend for broadcaster that survives what the stock one does not.

broadcaster 0.3.1's own ``RedisBackend`` loses the first subscription with
redis-py >= 8, never reconnects after a Redis restart, and cannot tell its
subscribers that messages were lost (shared/STACK_NOTES.md, broadcaster). This
backend keeps broadcaster's ``BroadcastBackend`` interface, so it works both
as ``broadcaster.Broadcast(backend=ReliableRedisBackend(url))`` and under our
``subscriptions.broadcast.Broadcaster``:

- ``subscribe()`` returns only once Redis has registered the channel. It sends
  SUBSCRIBE and then PING with a unique token on the same connection; Redis
  answers in order, so the token's PONG proves the SUBSCRIBE took effect.
- One listener task owns the pub/sub connection for the backend's lifetime and
  never dies of an error: it drops the connection, reconnects with capped
  exponential backoff, resubscribes every channel still wanted and then emits
  ``RESYNC_MESSAGE`` on each of them. Redis pub/sub is at-most-once, so that
  marker is the subscribers' cue to replay from the database.
- A connection that goes silent (a frozen server, a dropped NAT entry) never
  raises by itself, so the listener PINGs when idle and treats a missing PONG
  as a lost connection.
- ``publish()`` raises ``BroadcastUnavailable`` within ``timeout`` seconds when
  Redis cannot be reached; it never hangs.

redis-py (5.x to 8.x) is imported lazily: memory:// deployments never need it.

Every wait is bounded with ``subscriptions.waits.within``, never ``asyncio.wait_for``: on
Python 3.11 ``wait_for`` swallows a cancellation that comes as the awaited
thing completes, and returns as if never cancelled (fixed in 3.12). A badge
listener stopped just as Redis confirmed its SUBSCRIBE then waited on its
inbox for ever, and ``Services.stop`` with it
(``tests/subscriptions/test_cancelled_subscribe.py``). redis-py sends every
command so (``send_packed_command`` with a socket timeout), which ``within``
answers too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from broadcaster import BroadcastBackend, Event

from subscriptions.waits import stop_task, within

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import PubSub

logger = logging.getLogger(__name__)

RESYNC_MESSAGE = '{"kind":"resync"}'
"""Sent on every subscribed channel after a reconnect; JSON like any other message."""


class BroadcastUnavailable(Exception):
    """The broadcast backend could not be reached in time; nothing was sent or registered."""


class _Stalled(Exception):
    """The pub/sub connection stopped answering PING."""


class ReliableRedisBackend(BroadcastBackend):
    """Redis pub/sub with confirmed subscriptions, reconnect and resync.

    ``timeout`` bounds connecting, publishing and confirming a subscription;
    ``reconnect_min``/``reconnect_max`` bound the backoff between reconnect
    attempts; ``ping_interval`` is how long the pub/sub connection may stay
    silent before it is PINGed (and, after as long again, given up).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 2.0,
        reconnect_min: float = 0.1,
        reconnect_max: float = 5.0,
        ping_interval: float = 15.0,
    ) -> None:
        # BroadcastBackend.__init__ only raises NotImplementedError: not called.
        self._url = url
        parts = urlsplit(url)
        self._where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # no password
        self._timeout = timeout
        self._reconnect_min = reconnect_min
        self._reconnect_max = reconnect_max
        self._ping_interval = ping_interval
        self._delay = reconnect_min
        # Unbounded on purpose: its one consumer (the fan-out loop) never blocks.
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._channels: set[str] = set()  # what subscribers want, whatever the connection
        # Serialises every command on the pub/sub connection with its replacement.
        self._io_lock = asyncio.Lock()
        self._pubsub: PubSub | None = None  # None while disconnected
        self._barriers: dict[str, asyncio.Future[None]] = {}  # PING token -> waiting subscribe()
        self._orphans: list[asyncio.Future[None]] = []  # waiting for the next connection
        self._publisher: Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        # Counts the pub/sub connections that came up; None while there is none.
        self._connections = 0
        self._serving = False
        # Always subscribed, so redis-py keeps reading even with no channel wanted.
        self._control_channel = f"broadcast-control:{uuid.uuid4().hex}"

    def _client(self, *, retries: int, read_timeout: float | None) -> Redis:
        from redis.asyncio import Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # redis-py >= 6 retries 3 times with backoff by default: too slow for a
        # publish that must fail fast, and for pub/sub a silent internal
        # reconnect would hide lost messages from us.
        client: Redis = Redis.from_url(
            self._url,
            socket_connect_timeout=self._timeout,
            socket_timeout=read_timeout,
            retry=Retry(NoBackoff(), retries),
        )
        return client

    @property
    def delivery_epoch(self) -> int | None:
        """None while published messages cannot arrive; otherwise a number
        that changes with every new connection (messages may have been lost
        in between)."""
        return self._connections if self._serving else None

    @property
    def reconnects(self) -> int:
        """Pub/sub connections that came back after one was lost (for /metrics)."""
        return max(self._connections - 1, 0)

    async def connect(self) -> None:
        """Fail fast if Redis is unreachable at startup, then start listening."""
        # One retry: a pooled connection left stale by a Redis restart is
        # replaced once instead of failing the first publish after it.
        self._publisher = self._client(retries=1, read_timeout=self._timeout)
        try:
            # redis-py types async commands with the sync client's union.
            ping = cast("Awaitable[bool]", self._publisher.ping())
            async with within(self._timeout):
                await ping
        except Exception as exc:
            await self._publisher.aclose()
            self._publisher = None
            raise BroadcastUnavailable(
                f"Redis at {self._where} is unreachable: {_describe(exc)}"
            ) from exc
        self._listener = asyncio.create_task(self._listen(), name="redis-broadcast-listener")

    async def disconnect(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await stop_task(listener)
        for waiter in [*self._orphans, *self._barriers.values()]:
            if not waiter.done():
                waiter.set_exception(BroadcastUnavailable("the broadcast backend disconnected"))
        self._orphans, self._barriers = [], {}
        if self._publisher is not None:
            await self._publisher.aclose()
            self._publisher = None

    async def subscribe(self, channel: str) -> None:
        """Return once Redis delivers ``channel`` to us, or raise ``BroadcastUnavailable``.

        Cancelled on the way, it unsubscribes before it ends: its caller
        never counts the channel as subscribed (``Broadcaster.subscribe``),
        so one left in ``_channels`` stayed subscribed at Redis for good and
        was subscribed again on every reconnect."""
        try:
            await self._subscribe(channel)
        except asyncio.CancelledError:
            await self.unsubscribe(channel)
            raise

    async def _subscribe(self, channel: str) -> None:
        registered = asyncio.get_running_loop().create_future()
        async with self._io_lock:
            self._channels.add(channel)
            if self._pubsub is None:
                self._orphans.append(registered)
            else:
                token = uuid.uuid4().hex
                self._barriers[token] = registered
                try:
                    async with within(self._timeout):
                        await self._send(self._pubsub, [channel], token)
                except Exception as exc:
                    # The listener sees the broken connection too, and its
                    # next one subscribes `channel` and releases this waiter.
                    logger.debug("SUBSCRIBE %s not sent: %s", channel, _describe(exc))
        try:
            async with within(self._timeout):
                await registered
        except TimeoutError:
            await self.unsubscribe(channel)
            raise BroadcastUnavailable(
                f"Redis at {self._where} did not confirm subscribing to {channel!r}"
            ) from None

    async def unsubscribe(self, channel: str) -> None:
        """Forget ``channel``; never raises for a lost connection (a new one won't resubscribe)."""
        async with self._io_lock:
            self._channels.discard(channel)
            if self._pubsub is not None:
                try:
                    async with within(self._timeout):
                        await self._pubsub.unsubscribe(channel)
                except Exception as exc:
                    logger.debug("UNSUBSCRIBE %s not sent: %s", channel, _describe(exc))

    async def publish(self, channel: str, message: Any) -> None:
        if self._publisher is None:
            raise RuntimeError("ReliableRedisBackend.connect() was not called")
        try:
            async with within(self._timeout):
                await self._publisher.publish(channel, message)
        except Exception as exc:
            raise BroadcastUnavailable(
                f"could not publish to Redis at {self._where}: {_describe(exc)}"
            ) from exc

    async def next_published(self) -> Event:
        return await self._events.get()

    async def _send(self, pubsub: PubSub, channels: list[str], token: str) -> None:
        await pubsub.subscribe(*channels)
        await pubsub.ping(token)

    async def _listen(self) -> None:
        resync = False
        while True:
            try:
                await self._serve(resync=resync)
            except Exception as exc:
                logger.warning(
                    "Redis pub/sub at %s lost (%s); reconnecting", self._where, _describe(exc)
                )
            resync = True
            await asyncio.sleep(self._delay * random.uniform(0.5, 1.0))
            self._delay = min(self._delay * 2, self._reconnect_max)

    async def _serve(self, *, resync: bool) -> None:
        """Run one pub/sub connection until it fails; it only ever ends by raising."""
        # Reads pass their own timeout (ping_interval); this one bounds the
        # connection handshake and writes, which a frozen server would stall.
        client = self._client(retries=0, read_timeout=self._timeout)
        pubsub = client.pubsub()
        waiting: list[asyncio.Future[None]] = []
        try:
            async with self._io_lock:
                self._pubsub = pubsub
                channels = {self._control_channel, *self._channels}
                waiting, self._orphans = self._orphans, []
                ready = uuid.uuid4().hex
                async with within(self._timeout):
                    await self._send(pubsub, sorted(channels), ready)
            pinged = False
            while True:
                message = await pubsub.get_message(timeout=self._ping_interval)
                if message is None:
                    if pinged:
                        raise _Stalled(f"no reply to PING within {self._ping_interval}s")
                    async with self._io_lock, within(self._timeout):
                        await pubsub.ping()
                    pinged = True
                    continue
                pinged = False
                kind = _text(message["type"])
                if kind == "message":
                    channel = _text(message["channel"])
                    if channel in self._channels:
                        self._events.put_nowait(Event(channel, _text(message["data"])))
                elif kind == "pong" and _text(message["data"]) == ready:
                    self._delay = self._reconnect_min
                    self._connections += 1
                    self._serving = True
                    _release(waiting)
                    if resync:
                        for channel in sorted(channels & self._channels):
                            self._events.put_nowait(Event(channel, RESYNC_MESSAGE))
                elif kind == "pong":
                    _release([self._barriers.pop(_text(message["data"]), None)])
        finally:
            self._serving = False
            async with self._io_lock:
                self._pubsub = None
                self._orphans += [w for w in waiting if not w.done()]
                self._orphans += [w for w in self._barriers.values() if not w.done()]
                self._barriers.clear()
            with contextlib.suppress(Exception):
                async with within(self._timeout):
                    # untyped in redis-py 7 and 8
                    await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]
            with contextlib.suppress(Exception):
                async with within(self._timeout):
                    await client.aclose()


def _release(waiters: Iterable[asyncio.Future[None] | None]) -> None:
    for waiter in waiters:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _text(value: object) -> str:
    # Channel names and payloads arrive as bytes; foreign non-UTF-8 payloads
    # must not kill the listener (the subscriber skips what is not JSON).
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    # redis-py 7's repr() of its errors drops the message ("network:ConnectionError").
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
