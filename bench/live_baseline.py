"""The raw baseline for the live figures: ``python -m bench.live_baseline``.

A plain ``websockets`` server and nothing else: each message published on a
Redis channel (or, without Redis, sent to its ``/publish`` socket, the
in-process equivalent of the embedded ``memory://`` broadcast) is written
as-is to every connected client with ``websockets.broadcast`` (one encoding,
no per-client work). No GraphQL, no database, no authentication: what any
live server on this machine pays at least to push one frame to N sockets.

Arguments: ``--port N [--redis-url URL --channel NAME] [--cpus 0,1]``.
Prints ``ready`` once listening (and subscribed), and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal

from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.live_clients import raise_fd_limit
from service.gc_tuning import tune_gc

PUBLISH_PATH = "/publish"


class Baseline:
    def __init__(self) -> None:
        self.clients: set[ServerConnection] = set()

    async def handle(self, connection: ServerConnection) -> None:
        path = connection.request.path if connection.request is not None else "/"
        if path == PUBLISH_PATH:
            async for message in connection:
                broadcast(self.clients, message)
            return
        self.clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            self.clients.discard(connection)

    async def relay_redis(self, url: str, channel: str, subscribed: asyncio.Event) -> None:
        from redis.asyncio import Redis

        client: Redis = Redis.from_url(url)
        pubsub = client.pubsub()
        await pubsub.subscribe(channel)
        subscribed.set()
        try:
            async for message in pubsub.listen():
                if message["type"] == "message":
                    data = message["data"]
                    broadcast(self.clients, data.decode() if isinstance(data, bytes) else data)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]
            await client.aclose()


async def main(args: argparse.Namespace) -> None:
    raise_fd_limit()
    if args.cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
    tune_gc()  # as the app's servers do once started (service.app)
    baseline = Baseline()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Like the app's uvicorn: no compression negotiated by the bench clients anyway.
    async with serve(baseline.handle, "127.0.0.1", args.port, compression=None, ping_interval=None):
        relay: asyncio.Task[None] | None = None
        if args.redis_url:
            subscribed = asyncio.Event()
            relay = asyncio.create_task(
                baseline.relay_redis(args.redis_url, args.channel, subscribed)
            )
            await asyncio.wait_for(subscribed.wait(), 10)
        print("ready", flush=True)
        await stop.wait()
        if relay is not None:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--channel", default="bench:baseline")
    parser.add_argument("--cpus")
    try:
        import uvloop

        uvloop.run(main(parser.parse_args()))
    except ImportError:
        asyncio.run(main(parser.parse_args()))
