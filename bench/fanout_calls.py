"""``python -m bench.fanout_calls``: Python calls the server makes per delivered frame.

A deterministic companion of the live figures (issue 12, fan-out): the app
serves in this process (uvicorn on this event loop, the embedded default on
a fresh SQLite file), its subscribers are real websockets in a child process
(``bench.fanout_subscribers``), and cProfile counts the server's calls while
a burst of portal events is recorded and delivered. Calls per frame
(the burst's calls, less those of recording the events alone, over frames
delivered) does not change with how busy the machine is, unlike frames/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from bench.live import EVENTS, RECORD, provision, record_input
from bench.servers import free_port
from service.app import create_app
from service.settings import Settings
from service.ws_protocol import UVICORN_WS

SUBSCRIBERS = 100
EVENTS_PER_BURST = 20


async def record(http: httpx.AsyncClient, url: str, key: str, count: int, start: int) -> None:
    for index in range(start, start + count):
        response = await http.post(
            url,
            json={"query": RECORD, "variables": record_input(index)},
            headers={"Authorization": f"Bearer {key}"},
        )
        response.raise_for_status()


def calls(profile: cProfile.Profile) -> int:
    stats = pstats.Stats(profile)
    return sum(row[1] for row in stats.stats.values())  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def serving_in_process(app: ASGIApp) -> AsyncIterator[int]:
    """uvicorn serving ``app`` on this event loop; yields its port."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws=UVICORN_WS)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():  # noqa: ASYNC110
        await asyncio.sleep(0.025)
    try:
        yield port
    finally:
        server.should_exit = True
        await serving


async def measure(directory: Path, url: str) -> None:
    key, token = await provision(url)
    settings = Settings(
        database_url=url,
        broadcast_url="memory://",
        dev_mode=False,
        purge_interval_seconds=0,
        outbox_dir=directory / "outbox",
        max_sockets_per_staff=SUBSCRIBERS,
        log_level="warning",
    )
    async with serving_in_process(create_app(settings)) as port, httpx.AsyncClient() as http:
        graphql = f"http://127.0.0.1:{port}/graphql"
        await record(http, graphql, key, 3, 0)  # warm
        # Recording alone, nobody subscribed: what the burst's writes cost.
        alone = cProfile.Profile()
        alone.enable()
        await record(http, graphql, key, EVENTS_PER_BURST, 100)
        alone.disable()
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fanout_subscribers",
            f"ws://127.0.0.1:{port}/graphql",
            token,
            str(SUBSCRIBERS),
            EVENTS,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stdin is not None
        assert (await child.stdout.readline()).strip() == b"subscribed"
        await record(http, graphql, key, 2, 200)  # warm the live path
        child.stdin.write(b"%d\n" % (2 * SUBSCRIBERS))
        await child.stdin.drain()
        assert (await child.stdout.readline()).strip() == b"received"
        burst = cProfile.Profile()
        burst.enable()
        await record(http, graphql, key, EVENTS_PER_BURST, 300)
        child.stdin.write(b"%d\n" % ((EVENTS_PER_BURST + 2) * SUBSCRIBERS))
        await child.stdin.drain()
        assert (await child.stdout.readline()).strip() == b"received"
        burst.disable()
        child.stdin.close()
        await child.wait()
    frames = EVENTS_PER_BURST * SUBSCRIBERS
    per_frame = (calls(burst) - calls(alone)) / frames
    print(f"recording alone: {calls(alone) / EVENTS_PER_BURST:,.0f} calls per event")
    print(
        f"delivery: {per_frame:,.1f} calls per frame ({SUBSCRIBERS} subscribers, "
        f"{EVENTS_PER_BURST} events)"
    )
    if os.environ.get("FANOUT_TOP"):
        stats = pstats.Stats(burst)
        stats.sort_stats("ncalls").print_stats(int(os.environ["FANOUT_TOP"]))
        stats.dump_stats(directory / "burst.prof")
        print(f"profile: {directory / 'burst.prof'}")


def main() -> None:
    directory = Path(tempfile.mkdtemp(prefix="fanout-calls-"))
    url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )
    asyncio.run(measure(directory, url))


if __name__ == "__main__":
    main()
