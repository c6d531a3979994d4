"""Memory per idle subscriber, measured alone: ``python -m bench.idle_memory``.

Issue 12: the live figure "memory per idle subscriber" (``bench.live``) is
56-58 KiB of server VmRSS per ``activityEvents`` subscriber; the target is
<= 25 KiB (2x a bare websockets connection). This script measures the same
thing, deterministically and with its causes:

1. a fresh SQLite database (``service migrate``), one organisation and a
   full-rights staff token (``bench.live.provision``);
2. the real server, ``python -m service serve`` (one process, in-memory
   broadcast), as a user runs it;
3. warm-up: one HTTP request, then ``--warm`` sockets opened, subscribed
   and closed (first-use costs: imports, caches, the rights watch);
4. ``--sockets`` sockets (default 500) opened in two halves, each socket
   ``connection_init`` then one ``subscribe`` to ``activityEvents``; after
   each half the server is left idle for ``--settle`` seconds and its VmRSS
   read from ``/proc``.

It reports VmRSS growth per socket from after the warm-up to the end (the
benchmark's figure) and over the second half alone (the marginal cost, free
of one-time costs), then repeats the run with ``PYTHONTRACEMALLOC=1`` and
splits the Python heap's growth per socket by package (uvicorn, strawberry,
starlette, websockets, asyncio, ours, ...). The snapshot is taken inside the
server on SIGUSR1 by a ``sitecustomize`` module that only this script puts
on the server's ``PYTHONPATH``; the server's code knows nothing of it. The
same dump counts the server's asyncio tasks by coroutine, per socket.

Memory figures are not disturbed by a busy machine (no timing is involved).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.live import EVENTS, provision
from bench.live_clients import PROTOCOL, raise_fd_limit
from bench.live_procs import REPO_ROOT, rss_kib
from bench.servers import free_port

# Loaded by the server's interpreter at startup (PYTHONPATH): on SIGUSR1 it
# writes a tracemalloc snapshot (when tracing) and its tasks by coroutine.
SITECUSTOMIZE = textwrap.dedent(
    """
    import asyncio, gc, json, os, signal, tracemalloc

    def _dump(signum, _frame):
        out = os.environ["IDLE_MEMORY_DUMP"]
        if signum == signal.SIGUSR2:
            gc.collect()
        if tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(out + ".snapshot")
        tasks = {}
        try:
            for task in asyncio.all_tasks(asyncio.get_running_loop()):
                coro = task.get_coro()
                name = getattr(coro, "__qualname__", type(coro).__name__)
                tasks[name] = tasks.get(name, 0) + 1
        except RuntimeError:
            pass
        with open(out + ".tmp", "w") as file:
            json.dump({"tasks": tasks}, file)
        os.replace(out + ".tmp", out + ".json")

    signal.signal(signal.SIGUSR1, _dump)
    signal.signal(signal.SIGUSR2, _dump)
    """
)

PACKAGES = ("uvicorn", "strawberry", "starlette", "websockets", "graphql", "httptools")
OURS = ("service", "schema", "subscriptions", "resolvers", "models", "domain")


def package_of(filename: str) -> str:
    """The package a source file belongs to, for the heap split."""
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    with contextlib.suppress(ValueError):
        relative = Path(filename).relative_to(REPO_ROOT)
        return "ours" if relative.parts[0] in OURS else relative.parts[0]
    if "asyncio" in parts:
        return "asyncio"
    return "stdlib/other" if filename.startswith(sys.base_prefix) else filename


@dataclass
class Phase:
    rss_kib: int
    tasks: dict[str, int]
    snapshot: Any = None


class IdleServer:
    """``python -m service serve`` on a fresh SQLite file, with the dump hook."""

    def __init__(
        self, workdir: Path, database_url: str, tracemalloc: bool, frames: int = 1
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        hook = workdir / "hook"
        hook.mkdir(exist_ok=True)
        (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self.dump = workdir / f"dump-{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BROADCAST_URL": "memory://",
            "DEV_MODE": "0",
            "PURGE_INTERVAL_SECONDS": "0",
            "OUTBOX_DIR": str(workdir / "outbox"),
            "MAX_SOCKETS_PER_STAFF": "100000",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
            "IDLE_MEMORY_DUMP": str(self.dump),
        }
        if tracemalloc:
            env["PYTHONTRACEMALLOC"] = str(frames)
        self.log = (workdir / f"server-{self.port}.log").open("wb")
        argv = [sys.executable, "-m", "service", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*argv, "--log-level", "warning"],
            cwd=REPO_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/graphql"

    async def ready(self) -> None:
        deadline = time.monotonic() + 300
        async with httpx.AsyncClient() as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited, see {self.log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.http}/health", timeout=1)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("server not ready in 300 s")

    async def phase(self, tracemalloc: bool, collect: bool = False) -> Phase:
        """The server's VmRSS now (after a full collection: ``collect``), and
        its tasks (and heap) from the hook."""
        import tracemalloc as tm

        done = self.dump.with_suffix(".json")
        done.unlink(missing_ok=True)
        rss = 0 if collect else rss_kib(self.process.pid)
        self.process.send_signal(signal.SIGUSR2 if collect else signal.SIGUSR1)
        deadline = time.monotonic() + 120
        while not done.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("no dump from the server")
            await asyncio.sleep(0.05)
        tasks = json.loads(done.read_text())["tasks"]
        rss = rss or rss_kib(self.process.pid)
        snapshot = None
        if tracemalloc:
            snapshot = tm.Snapshot.load(str(self.dump.with_suffix(".snapshot")))
        return Phase(rss, tasks, snapshot)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


async def subscriber(url: str, token: str) -> ClientConnection:
    """One socket: connection_init, its ack, one subscribe to activityEvents."""
    connection = await connect(
        url,
        subprotocols=[Subprotocol(PROTOCOL)],
        ping_interval=None,
        compression=None,
        open_timeout=60,
    )
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await connection.send(json.dumps(init))
    ack = json.loads(await asyncio.wait_for(connection.recv(), 60))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}
    await connection.send(json.dumps(subscribe))
    return connection


async def open_many(url: str, token: str, count: int) -> list[ClientConnection]:
    gate = asyncio.Semaphore(50)

    async def one() -> ClientConnection:
        async with gate:
            return await subscriber(url, token)

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def measure(
    server: IdleServer, token: str, args: argparse.Namespace, tracemalloc: bool
) -> list[Phase]:
    await server.ready()
    async with httpx.AsyncClient() as http:
        await http.post(f"{server.http}/graphql", json={"query": "{ __typename }"})
    warm = await open_many(server.ws, token, args.warm)
    await asyncio.sleep(args.settle)  # every subscription has started
    await asyncio.gather(*(c.close() for c in warm))
    await asyncio.sleep(args.settle)
    phases = [await server.phase(tracemalloc)]
    sockets: list[ClientConnection] = []
    for half in (args.sockets // 2, args.sockets - args.sockets // 2):
        sockets += await open_many(server.ws, token, half)
        await asyncio.sleep(args.settle)
        phases.append(await server.phase(tracemalloc))
    # What of the growth is cyclic garbage the collector has not reached yet
    # (service/gc_tuning.py makes collections rare on purpose).
    phases.append(await server.phase(tracemalloc, collect=True))
    await asyncio.gather(*(c.close() for c in sockets), return_exceptions=True)
    return phases


def heap_split(before: Any, after: Any, sockets: int) -> Counter[str]:
    """Bytes of Python heap grown per socket, by package of the allocating line."""
    split: Counter[str] = Counter()
    for stat in after.compare_to(before, "filename"):
        split[package_of(stat.traceback[-1].filename)] += stat.size_diff
    return Counter({name: size / sockets for name, size in split.items()})


def task_growth(before: Phase, after: Phase, sockets: int) -> dict[str, float]:
    names = set(before.tasks) | set(after.tasks)
    grown = {n: (after.tasks.get(n, 0) - before.tasks.get(n, 0)) / sockets for n in names}
    return {n: per for n, per in sorted(grown.items()) if per}


def report_rss(phases: list[Phase], sockets: int) -> None:
    start, middle, end, collected = phases
    second = sockets - sockets // 2
    print(f"VmRSS after warm-up: {start.rss_kib / 1024:.1f} MiB")
    print(
        f"VmRSS growth per socket, {sockets} sockets: "
        f"{(end.rss_kib - start.rss_kib) / sockets:.1f} KiB "
        f"(second half alone: {(end.rss_kib - middle.rss_kib) / second:.1f} KiB)"
    )
    print(
        f"  after a full gc.collect(): {(collected.rss_kib - start.rss_kib) / sockets:.1f} KiB"
        " (RSS does not shrink much: freed memory stays in the allocator)"
    )
    print("asyncio tasks per socket:")
    for name, per in task_growth(start, end, sockets).items():
        print(f"  {per:5.2f}  {name}")


def report_heap(phases: list[Phase], sockets: int, lines: int) -> None:
    start, _, end, collected = phases
    split = heap_split(start.snapshot, end.snapshot, sockets)
    total = sum(split.values())
    live = sum(heap_split(start.snapshot, collected.snapshot, sockets).values())
    print(
        f"Python heap growth per socket (tracemalloc): {total / 1024:.1f} KiB"
        f" ({live / 1024:.1f} KiB still reachable after a full gc.collect())"
    )
    for name, per in split.most_common():
        if abs(per) >= 16:
            print(f"  {per / 1024:6.2f} KiB  {name}")
    if lines:
        print(f"the {lines} lines that allocated most, per socket:")
        for stat in end.snapshot.compare_to(start.snapshot, "traceback")[:lines]:
            where = " < ".join(
                f"{Path(frame.filename).name}:{frame.lineno}" for frame in stat.traceback
            )
            print(f"  {stat.size_diff / sockets:7.0f} B {stat.count_diff / sockets:5.1f}x  {where}")


async def run(args: argparse.Namespace) -> None:
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="idle-memory-") as raw:
        workdir = Path(raw)
        database_url = f"sqlite:///{workdir / 'idle.db'}"
        subprocess.run(  # noqa: ASYNC221 - before anything else runs
            [sys.executable, "-m", "service", "migrate"],
            cwd=REPO_ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            check=True,
            capture_output=True,
        )
        _, token = await provision(database_url)
        for tracemalloc in (False, True) if args.heap else (False,):
            server = IdleServer(workdir, database_url, tracemalloc, args.frames)
            try:
                phases = await measure(server, token, args, tracemalloc)
            finally:
                server.stop()
            if tracemalloc:
                report_heap(phases, args.sockets, args.lines)
            else:
                report_rss(phases, args.sockets)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle_memory", description=__doc__)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--warm", type=int, default=20, help="sockets opened and closed first")
    parser.add_argument("--settle", type=float, default=2.0, help="idle seconds before a reading")
    parser.add_argument("--lines", type=int, default=0, help="also the top allocating lines")
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc frames kept")
    parser.add_argument("--no-heap", dest="heap", action="store_false", help="RSS only")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
