"""Websocket subscribers in a process of their own: ``python -m bench.live_clients``.

The live figures spread their subscribers over several of these processes
(e.g. 4 x 250 websockets) so that the client is not the bottleneck. Each
process reads one JSON line of configuration from stdin::

    {"cpus": [1], "targets": [
        {"kind": "app", "url": "ws://127.0.0.1:8001/graphql", "count": 250,
         "token": "oas_...", "query": "subscription { ... }"},
        {"kind": "base", "url": "ws://127.0.0.1:8002/", "count": 250}]}

``app`` sockets speak graphql-transport-ws (connection_init, then one
subscribe); ``base`` sockets are the raw baseline's plain websockets. Every
frame received is timestamped with ``time.monotonic_ns()`` (CLOCK_MONOTONIC,
one clock for every process on the machine) before it is parsed, and its key
(the activity event's ``sequence``, or the baseline's ``seq``) is recorded.

Then it answers commands, one per stdin line, with one JSON line on stdout:

- ``stats``: ``{"open": {kind: n}, "least": {kind: fewest frames on one socket},
  "frames": {kind: total}, "errors": n}``
- ``dump``: ``{kind: [[key, t_ns], ...]}``, then it closes its sockets and exits.

It exits by itself when stdin closes (its parent is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"
KEYS = {"app": re.compile(r'"sequence":(\d+)'), "base": re.compile(r'"seq":(\d+)')}
CONNECTS_AT_ONCE = 50


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Subscribers:
    def __init__(self) -> None:
        self.receipts: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.per_socket: dict[str, list[int]] = defaultdict(list)
        self.open: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.connections: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []

    async def open_all(self, targets: list[dict[str, Any]]) -> None:
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def one(target: dict[str, Any]) -> None:
            async with gate:
                try:
                    await self._open(target)
                except Exception as exc:  # counted, reported by `stats`
                    self.errors.append(f"{target['kind']}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(t) for t in targets for _ in range(int(t["count"]))))

    async def _open(self, target: dict[str, Any]) -> None:
        kind = str(target["kind"])
        # No keepalive pings, no compression: the frames measured are the ones pushed.
        connection = await connect(
            target["url"],
            subprotocols=[PROTOCOL] if kind == "app" else None,  # type: ignore[list-item]
            ping_interval=None,
            compression=None,
            open_timeout=30,
            max_queue=None,
        )
        if kind == "app":
            init = {
                "type": "connection_init",
                "payload": {"authorization": f"Bearer {target['token']}"},
            }
            await connection.send(json.dumps(init))
            ack = json.loads(await asyncio.wait_for(connection.recv(), 30))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"no connection_ack: {ack}")
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": target["query"]}}
            await connection.send(json.dumps(subscribe))
        slot = len(self.per_socket[kind])
        self.per_socket[kind].append(0)
        self.open[kind] += 1
        self.connections.append(connection)
        self.readers.append(asyncio.create_task(self._read(kind, slot, connection)))

    async def _read(self, kind: str, slot: int, connection: ClientConnection) -> None:
        key = KEYS[kind]
        receipts = self.receipts[kind]
        counts = self.per_socket[kind]
        try:
            async for raw in connection:
                now = time.monotonic_ns()
                text = raw if isinstance(raw, str) else raw.decode()
                found = key.search(text)
                if found is not None:
                    receipts.append((int(found.group(1)), now))
                    counts[slot] += 1
                elif '"ping"' in text:
                    await connection.send('{"type":"pong"}')
                elif '"error' in text or '"complete"' in text:
                    self.errors.append(f"{kind}: {text[:300]}")
        except ConnectionClosed as closed:
            self.errors.append(f"{kind}: closed {closed}")
        finally:
            self.open[kind] -= 1

    def stats(self) -> dict[str, Any]:
        return {
            "open": dict(self.open),
            "least": {kind: min(counts, default=0) for kind, counts in self.per_socket.items()},
            "frames": {kind: sum(counts) for kind, counts in self.per_socket.items()},
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)


class Launcher(Protocol):
    """Starts a child process in its own process group (``bench.live.Processes``)."""

    def start(
        self, name: str, argv: Sequence[str], env: dict[str, str], cpu: int | None, pipe: bool
    ) -> subprocess.Popen[bytes]: ...

    def log_tail(self, name: str) -> str: ...


class Clients:
    """The subscriber processes, driven over their stdin/stdout."""

    def __init__(
        self,
        processes: Launcher,
        subscribers: int,
        process_count: int,
        query: str,
        app_ws: list[str],
        base_ws: str,
        token: str,
        cpu: int | None,
    ) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        per_process = subscribers // process_count
        for index in range(process_count):
            # Each process spreads its app sockets evenly over the app's processes.
            targets: list[dict[str, Any]] = [
                {
                    "kind": "app",
                    "url": url,
                    "count": per_process // len(app_ws),
                    "token": token,
                    "query": query,
                }
                for url in app_ws
            ]
            targets.append({"kind": "base", "url": base_ws, "count": per_process})
            name = f"clients-{index}"
            child = processes.start(
                name, [sys.executable, "-m", "bench.live_clients"], {}, cpu, pipe=True
            )
            self._send(child, json.dumps({"targets": targets}))
            self.children.append(child)
        self.sockets = {"app": 0, "base": 0}
        for index, child in enumerate(self.children):
            connected = self._read(child, f"clients-{index}", processes)
            if "connected" not in connected:
                raise RuntimeError(f"clients-{index}: {connected}")
            for kind, count in connected["connected"].items():
                self.sockets[kind] += int(count)
        self.processes = processes

    @staticmethod
    def _send(child: subprocess.Popen[bytes], line: str) -> None:
        assert child.stdin is not None
        child.stdin.write(line.encode() + b"\n")
        child.stdin.flush()

    @staticmethod
    def _read(child: subprocess.Popen[bytes], name: str, processes: Launcher) -> dict[str, Any]:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"{name} exited:\n{processes.log_tail(name)}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def stats(self) -> list[dict[str, Any]]:
        for child in self.children:
            self._send(child, "stats")
        return [self._read(c, f"clients-{i}", self.processes) for i, c in enumerate(self.children)]

    def frames(self, kind: str) -> int:
        return sum(int(s["frames"].get(kind, 0)) for s in self.stats())

    def least(self, kind: str) -> int:
        return min(int(s["least"].get(kind, 0)) for s in self.stats())

    def dump(self) -> dict[str, list[tuple[int, int]]]:
        for child in self.children:
            self._send(child, "dump")
        merged: dict[str, list[tuple[int, int]]] = {"app": [], "base": []}
        for index, child in enumerate(self.children):
            for kind, receipts in self._read(child, f"clients-{index}", self.processes).items():
                merged[kind].extend((int(k), int(t)) for k, t in receipts)
        return merged


async def main() -> None:
    raise_fd_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    config = json.loads(await reader.readline())
    cpus = config.get("cpus")
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, set(cpus))
    subscribers = Subscribers()
    await subscribers.open_all(config["targets"])
    print(json.dumps({"connected": dict(subscribers.open)}), flush=True)
    try:
        while line := (await reader.readline()).decode().strip():
            if line == "stats":
                print(json.dumps(subscribers.stats()), flush=True)
            elif line == "dump":
                print(json.dumps(subscribers.receipts), flush=True)
                return
    finally:
        await subscribers.close()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
