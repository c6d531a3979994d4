"""The many-organisations workload's sockets, in a process of their own:
``python -m bench.orgs_clients``.

It reads one JSON line from stdin::

    {"urls": ["ws://127.0.0.1:8001/graphql", ...],
     "queries": {"window": "subscription ($after: Int) {...}", ...},
     "sockets": [[socket_id, role, url_index, token, after_sequence], ...]}

and opens every socket (graphql-transport-ws: ``connection_init`` with the
staff token, then one ``subscribe`` with ``{"after": after_sequence}`` for the
``activityEvents`` roles, none for ``badge``). Every frame is timestamped with
``time.monotonic_ns()`` (one clock for every process of the machine) before it
is parsed; its key is the event's ``sequence`` (``-1`` for a badge frame).
It then prints ``{"connected": n, "errors": [...]}`` and answers, one per line:

- ``stats``: ``{"open": n, "frames": {role: n}, "waiting": sockets that have
  had no frame yet, "errors": n, "first_errors": [...]}``
- ``dump``: ``[[socket_id, key, t_ns], ...]``; then it closes its sockets and exits.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.live_clients import raise_fd_limit

PROTOCOL = "graphql-transport-ws"
SEQUENCE = re.compile(r'"sequence":\s*(\d+)')
CONNECTS_AT_ONCE = 25


class Sockets:
    def __init__(self, config: dict[str, Any]) -> None:
        self.urls: list[str] = config["urls"]
        self.queries: dict[str, str] = config["queries"]
        self.wanted: list[list[Any]] = config["sockets"]
        self.receipts: list[tuple[int, int, int]] = []
        self.frames: dict[str, int] = {}
        self.silent: set[int] = set()
        self.errors: list[str] = []
        self.connections: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.open = 0

    async def open_all(self) -> None:
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def one(spec: list[Any]) -> None:
            async with gate:
                try:
                    await self._open(*spec)
                except Exception as exc:  # counted and reported by `stats`
                    self.errors.append(f"socket {spec[0]}: {type(exc).__name__}: {exc}")

        await asyncio.gather(*(one(spec) for spec in self.wanted))

    async def _open(self, socket_id: int, role: str, url: int, token: str, after: int) -> None:
        connection = await connect(
            self.urls[url],
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            ping_interval=None,
            compression=None,
            open_timeout=60,
            max_queue=None,
        )
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await connection.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(connection.recv(), 60))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no connection_ack: {ack}")
        payload: dict[str, Any] = {"query": self.queries[role]}
        if role != "badge":
            payload["variables"] = {"after": after}
        await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.open += 1
        self.silent.add(socket_id)
        self.connections.append(connection)
        self.readers.append(asyncio.create_task(self._read(socket_id, role, connection)))

    async def _read(self, socket_id: int, role: str, connection: ClientConnection) -> None:
        self.frames.setdefault(role, 0)
        try:
            async for raw in connection:
                now = time.monotonic_ns()
                text = raw if isinstance(raw, str) else raw.decode()
                if '"next"' in text:
                    found = SEQUENCE.search(text) if role != "badge" else None
                    self.receipts.append((socket_id, int(found.group(1)) if found else -1, now))
                    self.frames[role] += 1
                    self.silent.discard(socket_id)
                elif '"ping"' in text:
                    await connection.send('{"type":"pong"}')
                elif '"error' in text or '"complete"' in text:
                    self.errors.append(f"socket {socket_id}: {text[:300]}")
        except ConnectionClosed as closed:
            self.errors.append(f"socket {socket_id}: closed {closed}")
        finally:
            self.open -= 1

    def stats(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "frames": self.frames,
            "waiting": len(self.silent),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
        }

    async def close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)


async def main() -> None:
    raise_fd_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    sockets = Sockets(json.loads(await reader.readline()))
    await sockets.open_all()
    print(json.dumps({"connected": sockets.open, "errors": sockets.errors[:3]}), flush=True)
    try:
        while line := (await reader.readline()).decode().strip():
            if line == "stats":
                print(json.dumps(sockets.stats()), flush=True)
            elif line == "dump":
                print(json.dumps(sockets.receipts), flush=True)
                return
    finally:
        await sockets.close()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())
