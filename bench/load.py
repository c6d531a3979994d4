"""An HTTP/1.1 load generator on raw asyncio streams, run as its own process.

``python -m bench.load`` reads a JSON ``LoadSpec`` on stdin and prints a JSON
``LoadResult`` on stdout. It runs in a separate process (pinned to another
core than the server where the machine allows) so the server under test and
the client never share an interpreter.

Two modes:

- ``closed``: ``concurrency`` connections, each sending its next request as
  soon as the previous answer arrives. Measures the most requests per second
  the server gives.
- ``open``: requests are due at a fixed rate whatever the server does; the
  latency of each is measured from the moment it was DUE, not when a free
  connection finally sent it, so a stalled server shows as high latency
  instead of fewer samples (coordinated omission is not hidden).

Every request body may contain ``__N__``, replaced by a number unique within
the run (idempotency keys, external ids). With ``tokens``, successive
requests carry ``Authorization: Bearer <token>`` for each token in turn (one
organisation after another, so no per-organisation cache of the server can
answer twice in a row). A reply other than HTTP 200, or a body with GraphQL
``"errors"``, counts as an error. The mean size of the good replies' bodies
is reported (``response_bytes``), so like is compared with like.

Latencies are kept as sorted samples (bounded by the request count), which is
exact where an HDR histogram would round.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LoadSpec:
    port: int
    body: str
    mode: str = "closed"  # closed | open
    path: str = "/graphql"
    headers: dict[str, str] = field(default_factory=dict)
    concurrency: int = 8
    duration: float = 5.0
    rate: float = 0.0  # open loop: requests per second
    max_requests: int = 200_000
    warmup: float = 0.5
    max_connections: int = 64  # open loop: connections it may open
    cpu: int | None = None
    # A substring every good reply contains (e.g. '"nodes"'); empty: any 200.
    expect: str = ""
    # Bearer tokens used in turn, one per request (overrides an Authorization header).
    tokens: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    count: int
    errors: int
    elapsed: float
    rps: float
    latencies_ms: list[float]
    first_error: str = ""
    late_starts: int = 0  # open loop: requests sent more than 1 ms after they were due
    response_bytes: float = 0.0  # mean body size of the good replies
    reopened: int = 0  # keep-alive connections the server had closed, opened again


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1.

    A server closes a keep-alive connection left idle past its timeout
    (uvicorn: 5 s), as an open-loop run's spare connections are after a
    stall: a request that finds it closed before any byte of an answer is
    sent again once on a new connection (counted in ``reopened``)."""

    reopened = 0

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, port: int
    ) -> None:
        self.reader, self.writer, self.port = reader, writer, port

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, port)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as closed:
            if isinstance(closed, asyncio.IncompleteReadError) and closed.partial:
                raise
            self.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            Connection.reopened += 1
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
        return await self._rest(head)

    async def _rest(self, head: bytes) -> tuple[int, bytes]:
        status = int(head[9:12])
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            lowered = name.strip().lower()
            if lowered == b"content-length":
                length = int(value.strip())
            elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
            return status, bytes(body)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


class Requests:
    """Request bytes with ``__N__`` replaced by a fresh number each time."""

    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self.counter = itertools.count(1)
        self.templated = "__N__" in spec.body
        self.turn = itertools.cycle(spec.tokens or [""])
        self.fixed: dict[str, bytes] | None = None
        if not self.templated:
            self.fixed = {token: self._encode(spec.body, token) for token in spec.tokens or [""]}

    def _encode(self, body: str, token: str) -> bytes:
        payload = body.encode()
        headers = {
            "Host": f"127.0.0.1:{self.spec.port}",
            "Content-Type": "application/json",
            "Content-Length": str(len(payload)),
            **self.spec.headers,
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        head = f"POST {self.spec.path} HTTP/1.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        return head.encode() + b"\r\n" + payload

    def next(self) -> bytes:
        token = next(self.turn)
        if self.fixed is not None:
            return self.fixed[token]
        unique = f"{os.getpid()}-{next(self.counter)}"
        return self._encode(self.spec.body.replace("__N__", unique), token)


class Recorder:
    def __init__(self, spec: LoadSpec) -> None:
        self.spec = spec
        self.latencies: list[float] = []
        self.errors = 0
        self.first_error = ""
        self.recording = False
        self.body_bytes = 0

    def record(self, started: float, status: int, body: bytes) -> None:
        if not self.recording:
            return
        elapsed = (time.perf_counter() - started) * 1000.0
        ok = status == 200 and b'"errors"' not in body
        if ok and self.spec.expect:
            ok = self.spec.expect.encode() in body
        if ok:
            self.latencies.append(elapsed)
            self.body_bytes += len(body)
        else:
            self.errors += 1
            if not self.first_error:
                self.first_error = f"HTTP {status}: {body[:300].decode(errors='replace')}"


async def _closed(spec: LoadSpec, requests: Requests, recorder: Recorder) -> float:
    connections = [await Connection.open(spec.port) for _ in range(spec.concurrency)]
    deadline = time.perf_counter() + spec.warmup + spec.duration
    done = 0

    async def worker(connection: Connection) -> None:
        nonlocal done
        while time.perf_counter() < deadline and done < spec.max_requests:
            started = time.perf_counter()
            status, body = await connection.request(requests.next())
            recorder.record(started, status, body)
            if recorder.recording:
                done += 1

    async def start_recording() -> None:
        await asyncio.sleep(spec.warmup)
        recorder.recording = True

    timer = asyncio.create_task(start_recording())
    began = time.perf_counter() + spec.warmup
    await asyncio.gather(*(worker(c) for c in connections))
    await timer
    for connection in connections:
        connection.close()
    return time.perf_counter() - began


async def _open(spec: LoadSpec, requests: Requests, recorder: Recorder) -> tuple[float, int]:
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    opened = 0
    for _ in range(min(spec.concurrency, spec.max_connections)):
        idle.put_nowait(await Connection.open(spec.port))
        opened += 1
    interval = 1.0 / spec.rate
    total = min(spec.max_requests, int(spec.rate * (spec.warmup + spec.duration)))
    warm = int(spec.rate * spec.warmup)
    late = 0
    tasks: set[asyncio.Task[None]] = set()

    async def one(due: float, measured: bool) -> None:
        nonlocal opened
        if idle.empty() and opened < spec.max_connections:
            opened += 1
            connection = await Connection.open(spec.port)
        else:
            connection = await idle.get()
        status, body = await connection.request(requests.next())
        if measured:
            recorder.recording = True
            recorder.record(due, status, body)
        idle.put_nowait(connection)

    start = time.perf_counter() + 0.05
    for index in range(total):
        due = start + index * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif -delay > 0.001:
            late += 1
        task = asyncio.create_task(one(due, index >= warm))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - (start + warm * interval)
    while not idle.empty():
        idle.get_nowait().close()
    return elapsed, late


async def run(spec: LoadSpec) -> LoadResult:
    requests = Requests(spec)
    recorder = Recorder(spec)
    late = 0
    if spec.mode == "open":
        elapsed, late = await _open(spec, requests, recorder)
    else:
        elapsed = await _closed(spec, requests, recorder)
    count = len(recorder.latencies)
    return LoadResult(
        count=count,
        errors=recorder.errors,
        elapsed=elapsed,
        rps=count / elapsed if elapsed > 0 else 0.0,
        latencies_ms=recorder.latencies,
        first_error=recorder.first_error,
        late_starts=late,
        response_bytes=recorder.body_bytes / count if count else 0.0,
        reopened=Connection.reopened,
    )


def main() -> None:
    spec = LoadSpec(**json.loads(sys.stdin.read()))
    if spec.cpu is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {spec.cpu})
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        result = asyncio.run(run(spec))
    else:
        result = uvloop.run(run(spec))
    json.dump(asdict(result), sys.stdout)


if __name__ == "__main__":
    main()


def spec_json(spec: LoadSpec) -> str:
    return json.dumps(asdict(spec))


def parse_result(text: str) -> LoadResult:
    raw: dict[str, Any] = json.loads(text)
    return LoadResult(**raw)
