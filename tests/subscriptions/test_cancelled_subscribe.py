"""A subscribe cancelled just as Redis confirms it ends cancelled.

CPython 3.11's ``asyncio.wait_for`` swallows a cancellation that arrives
while the future it waits for has just completed: it returns the result, and
the cancelled task runs on (fixed in 3.12, whose ``wait_for`` is
``asyncio.timeout``). ``ReliableRedisBackend.subscribe`` waits so for Redis's
confirmation; a badge listener cancelled by ``BadgeWatch.stop`` in that
instant then went on to wait on its inbox for ever, and ``Services.stop``
with it (the PostgreSQL suite's hang in ``tests/api/test_actions_bulk.py``'s
first test, which ends with a badge read of an organisation not yet watched,
so its teardown cancels a listener whose SUBSCRIBE is in flight).

Redis is played by a pub/sub object that accepts every command; the
confirmation is the listener's release of the subscribe's barrier (its PING
token's PONG), done here in the same step as the cancellation.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from subscriptions.badge_watch import BadgeWatch
from subscriptions.broadcast import Broadcaster
from subscriptions.redis_backend import ReliableRedisBackend, _release

pytestmark = pytest.mark.backend_free


class _AcceptingPubSub:
    """Takes SUBSCRIBE, PING and UNSUBSCRIBE; replies come only through the barriers."""

    async def subscribe(self, *channels: str) -> None:
        return None

    async def ping(self, message: Any = None) -> None:
        return None

    async def unsubscribe(self, *channels: str) -> None:
        return None


def _connected_backend() -> ReliableRedisBackend:
    backend = ReliableRedisBackend("redis://127.0.0.1:1/0")  # never dialled
    backend._pubsub = _AcceptingPubSub()  # type: ignore[assignment]
    return backend


async def _until_sent(backend: ReliableRedisBackend) -> None:
    """Until a subscribe has sent SUBSCRIBE and PING and waits for the PONG."""
    for _ in range(100):
        if backend._barriers and not backend._io_lock.locked():
            return
        await asyncio.sleep(0)
    raise AssertionError("the subscribe never sent its SUBSCRIBE")


async def test_a_subscribe_cancelled_as_redis_confirms_it_raises_cancelled() -> None:
    backend = _connected_backend()
    subscribing = asyncio.create_task(backend.subscribe("window:1"))
    await _until_sent(backend)
    # Redis confirms and, before the subscriber runs again, it is cancelled.
    _release(backend._barriers.values())
    subscribing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await subscribing
    assert subscribing.cancelled()


class _WritingPubSub(_AcceptingPubSub):
    """Writes SUBSCRIBE as redis-py does with a socket timeout: through
    ``asyncio.wait_for`` (``Connection.send_packed_command``); ``written``
    completes the write."""

    def __init__(self) -> None:
        self.written: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def subscribe(self, *channels: str) -> None:
        await asyncio.wait_for(asyncio.shield(self.written), 5)


async def test_a_subscribe_cancelled_as_its_subscribe_is_written_raises_cancelled() -> None:
    backend = ReliableRedisBackend("redis://127.0.0.1:1/0")
    pubsub = _WritingPubSub()
    backend._pubsub = pubsub  # type: ignore[assignment]
    subscribing = asyncio.create_task(backend.subscribe("window:1"))
    for _ in range(10):
        await asyncio.sleep(0)
    assert backend._io_lock.locked(), "the subscribe is not writing"
    pubsub.written.set_result(None)  # the write completes as the subscriber is cancelled
    subscribing.cancel()
    done, _ = await asyncio.wait([subscribing], timeout=1)
    if not done:  # it swallowed the cancellation and waits for Redis's PONG
        subscribing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await subscribing
    assert done, "subscribe() was cancelled and still waited for its confirmation"


class _WritingClient:
    """A Redis client whose pub/sub writes as ``_WritingPubSub`` and then hears nothing."""

    def __init__(self, pubsub: _WritingPubSub) -> None:
        self._pubsub = pubsub

    def pubsub(self) -> _WritingPubSub:
        return self._pubsub

    async def aclose(self) -> None:
        return None


class _SilentWritingPubSub(_WritingPubSub):
    async def get_message(self, timeout: float) -> None:  # noqa: ASYNC109 (redis-py's signature)
        await asyncio.sleep(timeout)

    async def aclose(self) -> None:
        return None


async def test_disconnect_ends_a_listener_cancelled_as_its_subscribe_is_written() -> None:
    # what every test's Services.stop does when its listener is still connecting
    backend = ReliableRedisBackend("redis://127.0.0.1:1/0", ping_interval=0.05)
    pubsub = _SilentWritingPubSub()
    backend._client = lambda **_: _WritingClient(pubsub)  # type: ignore[assignment]
    listener = asyncio.create_task(backend._listen())
    backend._listener = listener
    for _ in range(10):
        await asyncio.sleep(0)
    assert backend._io_lock.locked(), "the listener is not writing its SUBSCRIBE"
    pubsub.written.set_result(None)  # the write completes as the listener is cancelled
    disconnecting = asyncio.create_task(backend.disconnect())
    done, _ = await asyncio.wait([disconnecting], timeout=1)
    listener.cancel()  # a listener that swallowed its first cancellation, were there one
    await asyncio.gather(disconnecting, return_exceptions=True)
    assert done, "disconnect() still waits for a listener it cancelled"


async def test_badge_watch_stops_when_a_listener_is_confirmed_as_it_is_cancelled() -> None:
    backend = _connected_backend()
    watch = BadgeWatch(Broadcaster(backend=backend), seconds=60)
    watch.watch(2)  # a badge read of an organisation not watched yet
    await _until_sent(backend)
    listeners = list(watch._listeners.values())
    _release(backend._barriers.values())  # Redis confirms ...
    # ... in the step in which the services stop (stop cancels first, then waits)
    stopping = asyncio.create_task(watch.stop())
    # (not asyncio.timeout: stop() takes its own cancellation for its listener's)
    done, _ = await asyncio.wait([stopping], timeout=2)
    for listener in listeners:
        listener.cancel()  # a listener left waiting on its inbox, were there one
    await asyncio.gather(stopping, return_exceptions=True)
    assert stopping in done, "BadgeWatch.stop() still waits for a cancelled listener"


class _RecordingPubSub(_AcceptingPubSub):
    def __init__(self) -> None:
        self.unsubscribed: list[str] = []

    async def unsubscribe(self, *channels: str) -> None:
        self.unsubscribed.extend(channels)


async def test_a_cancelled_subscribe_leaves_its_channel_unsubscribed() -> None:
    # a subscriber that goes (a socket closed) while Redis has not confirmed yet
    backend = ReliableRedisBackend("redis://127.0.0.1:1/0")
    pubsub = _RecordingPubSub()
    backend._pubsub = pubsub  # type: ignore[assignment]
    subscribing = asyncio.create_task(backend.subscribe("window:1"))
    await _until_sent(backend)
    subscribing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await subscribing
    # then the channel is not one a reconnect subscribes again, and Redis was told
    assert "window:1" not in backend._channels
    assert pubsub.unsubscribed == ["window:1"]
