"""The fan-out layer on the embedded memory:// backend and on real Redis.

Redis tests need a shared Redis (``TEST_BROADCAST_URL`` when set, else
127.0.0.1:6379) and, for restarts, the redis-server binary (restarts use a
private one); without them they fail and say what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
import os
import shutil
import signal
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any, ParamSpec

import pytest
import redis
from broadcaster import Broadcast

from subscriptions.broadcast import (
    RESYNC_KIND,
    Broadcaster,
    BroadcastUnavailable,
    ReliableRedisBackend,
    SubscriberOverflow,
    Subscription,
    backend_for_url,
)

REDIS_URL = os.environ.get("TEST_BROADCAST_URL") or "redis://127.0.0.1:6379/0"
START_REDIS = (
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' "
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
RESYNC = {"kind": RESYNC_KIND}
# Fast reconnects so restart tests stay short; production uses the defaults.
QUICK = {"timeout": 0.5, "reconnect_min": 0.05, "reconnect_max": 0.2}

P = ParamSpec("P")


def bounded(
    seconds: float,
) -> Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, Coroutine[Any, Any, None]]]:
    """Fail a test that runs longer than ``seconds`` instead of hanging the suite."""

    def decorate(
        test: Callable[P, Coroutine[Any, Any, None]],
    ) -> Callable[P, Coroutine[Any, Any, None]]:
        @functools.wraps(test)
        async def run(*args: P.args, **kwargs: P.kwargs) -> None:
            await asyncio.wait_for(test(*args, **kwargs), seconds)

        return run

    return decorate


def shared_redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc!r}); start it: {START_REDIS}")
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else shared_redis_url()


@pytest.fixture
def channel() -> str:
    # Unique per test: the shared Redis also serves other tests.
    return f"test-broadcast:{uuid.uuid4().hex}"


async def receive(subscription: Subscription, seconds: float = 2.0) -> Mapping[str, Any]:
    return await asyncio.wait_for(anext(subscription), seconds)


async def join_and_leave(broadcaster: Broadcaster, channel: str) -> None:
    async with broadcaster.subscribe(channel):
        pass


class RedisServer:
    """A throwaway redis-server process we may kill, freeze and restart."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (Debian package redis-server)")
        self._binary = binary
        self._directory = directory
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *[self._binary, "--port", str(self.port), "--bind", "127.0.0.1"],
            *["--save", "", "--appendonly", "no", "--daemonize", "no"],
            *["--dir", str(self._directory)],
            stdout=asyncio.subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                reply = await reader.readline()
                writer.close()
                if reply == b"+PONG\r\n":
                    return
            await asyncio.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.send_signal(signal.SIGCONT)  # a frozen server can't die
            self._process.kill()
            await self._process.wait()

    def freeze(self, frozen: bool) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)


@pytest.fixture
async def throwaway_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@bounded(5)
async def test_first_subscriber_receives(url: str, channel: str) -> None:
    async with Broadcaster(url) as broadcaster, broadcaster.subscribe(channel) as inbox:
        await broadcaster.publish(channel, {"kind": "activity.created", "id": 1})

        assert await receive(inbox) == {"kind": "activity.created", "id": 1}


@bounded(10)
async def test_resubscribing_the_same_channel_receives_every_time(url: str, channel: str) -> None:
    async with Broadcaster(url) as broadcaster:
        for n in range(20):  # the subscriber count drops to zero and rises again
            async with broadcaster.subscribe(channel) as inbox:
                await broadcaster.publish(channel, {"n": n})

                assert await receive(inbox) == {"n": n}


@bounded(10)
async def test_joining_while_the_last_subscriber_leaves_receives(url: str, channel: str) -> None:
    async with Broadcaster(url) as broadcaster:
        for n in range(20):
            leaving = broadcaster.subscribe(channel)
            await leaving.__aenter__()
            joining = broadcaster.subscribe(channel)

            _, inbox = await asyncio.gather(
                leaving.__aexit__(None, None, None), joining.__aenter__()
            )
            await broadcaster.publish(channel, {"n": n})

            assert await receive(inbox) == {"n": n}
            await joining.__aexit__(None, None, None)


@bounded(10)
async def test_first_subscriber_leaving_at_once_does_not_deafen_the_second(
    url: str, channel: str
) -> None:
    async with Broadcaster(url) as broadcaster:
        for n in range(20):
            second = broadcaster.subscribe(channel)

            _, inbox = await asyncio.gather(
                join_and_leave(broadcaster, channel), second.__aenter__()
            )
            await broadcaster.publish(channel, {"n": n})

            assert await receive(inbox) == {"n": n}
            await second.__aexit__(None, None, None)


@bounded(5)
async def test_connect_fails_fast_when_redis_is_down() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    broadcaster = Broadcaster(backend=ReliableRedisBackend(f"redis://127.0.0.1:{port}/0", **QUICK))

    with pytest.raises(BroadcastUnavailable, match=f"127.0.0.1:{port}"):
        await broadcaster.connect()


@bounded(5)
async def test_messages_round_trip_as_json_on_every_backend(url: str, channel: str) -> None:
    message = {
        "kind": "activity.updated",
        "text": 'Grüße, 你好 "quoted" \u2028 \\',
        "numbers": [0, -1, 2**63, 0.1, 1e-300],
        "flags": {"on": True, "off": False, "none": None},
        "pair": (1, 2),
    }
    async with (
        Broadcaster(url) as broadcaster,
        broadcaster.subscribe(channel) as first,
        broadcaster.subscribe(channel) as second,
    ):
        await broadcaster.publish(channel, message)
        received = await receive(first)
        with pytest.raises(TypeError):  # decoded once, shared read-only by the subscribers
            received["kind"] = "changed by the first subscriber"  # type: ignore[index]

        assert await receive(second) == json.loads(json.dumps(message))
        assert received["pair"] == [1, 2]  # a tuple arrives as a list, as through Redis


@bounded(5)
async def test_values_json_cannot_carry_are_refused_on_every_backend(url: str) -> None:
    async with Broadcaster(url) as broadcaster:
        with pytest.raises(TypeError):
            await broadcaster.publish("anything", {"at": datetime.datetime.now(datetime.UTC)})
        with pytest.raises(ValueError):
            await broadcaster.publish("anything", {"ratio": float("nan")})


@bounded(5)
async def test_slow_subscriber_overflows_and_others_keep_receiving(url: str, channel: str) -> None:
    async with (
        Broadcaster(url, queue_size=3) as broadcaster,
        broadcaster.subscribe(channel) as slow,
        broadcaster.subscribe(channel) as fast,
    ):
        for n in range(5):
            await broadcaster.publish(channel, {"n": n})
            assert await receive(fast) == {"n": n}

        with pytest.raises(SubscriberOverflow):
            await receive(slow)
        with pytest.raises(SubscriberOverflow):  # it stays ended
            await receive(slow)
        await broadcaster.publish(channel, {"n": 5})
        assert await receive(fast) == {"n": 5}


@bounded(5)
async def test_subscriptions_stop_when_the_broadcaster_disconnects(channel: str) -> None:
    broadcaster = Broadcaster("memory://")
    await broadcaster.connect()
    async with broadcaster.subscribe(channel) as inbox:
        await broadcaster.disconnect()

        assert [message async for message in inbox] == []


@bounded(5)
async def test_a_message_sent_before_the_subscription_never_arrives_on_any_backend(
    url: str, channel: str
) -> None:
    # given a message published while nobody listens on the channel
    async with Broadcaster(url) as broadcaster:
        await broadcaster.publish(channel, {"n": "before"})
        # when someone subscribes and a second message is published
        async with broadcaster.subscribe(channel) as inbox:
            await broadcaster.publish(channel, {"n": "after"})
            # then only the second arrives: memory:// is at-most-once like Redis
            assert await receive(inbox) == {"n": "after"}
            assert inbox.backlog == 0


@bounded(5)
async def test_backend_works_under_broadcasters_own_broadcast(url: str, channel: str) -> None:
    backend = backend_for_url(url)
    async with Broadcast(backend=backend) as broadcast:
        for text in ("first", "again"):
            async with broadcast.subscribe(channel) as subscriber:
                await broadcast.publish(channel, text)

                event = await asyncio.wait_for(subscriber.get(), 2)
                assert event.message == text


@pytest.mark.slow
@bounded(15)
async def test_redis_restart_fails_publish_fast_then_resyncs_subscribers(
    throwaway_redis: RedisServer, channel: str
) -> None:
    loop = asyncio.get_running_loop()
    backend = ReliableRedisBackend(throwaway_redis.url, **QUICK)
    async with Broadcaster(backend=backend) as broadcaster, broadcaster.subscribe(channel) as inbox:
        await broadcaster.publish(channel, {"n": 1})
        assert await receive(inbox) == {"n": 1}

        await throwaway_redis.stop()
        started = loop.time()
        with pytest.raises(BroadcastUnavailable):
            await broadcaster.publish(channel, {"n": 2})
        assert loop.time() - started < 1.0
        with pytest.raises(BroadcastUnavailable):
            async with broadcaster.subscribe(f"{channel}:other"):
                pass

        await throwaway_redis.start()
        assert await receive(inbox, seconds=5) == RESYNC
        await broadcaster.publish(channel, {"n": 3})
        assert await receive(inbox) == {"n": 3}


@pytest.mark.slow
@bounded(15)
async def test_silent_redis_connection_is_given_up_and_resynced(
    throwaway_redis: RedisServer, channel: str
) -> None:
    backend = ReliableRedisBackend(throwaway_redis.url, **QUICK, ping_interval=0.2)
    async with Broadcaster(backend=backend) as broadcaster, broadcaster.subscribe(channel) as inbox:
        throwaway_redis.freeze(True)
        await asyncio.sleep(1.0)  # > 2 * ping_interval: no PONG, connection given up
        throwaway_redis.freeze(False)

        assert await receive(inbox, seconds=5) == RESYNC
        await broadcaster.publish(channel, {"n": 1})
        assert await receive(inbox) == {"n": 1}


@bounded(5)
async def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="postgres"):
        Broadcaster("postgres://localhost/db")
