"""The live figures: latency to 1,000 subscribers, fan-out throughput, idle memory.

``live_figures(backend, quick, database_url, redis_url)`` starts its own
server processes (2 uvicorn processes on PostgreSQL + Redis, 1 on the
embedded default), the raw baseline (``bench.live_baseline``) and subscriber
processes (``bench.live_clients``), measures, and stops everything it started.

Placement on the 2-core machine: every server process (the app's and the
baseline's) is pinned to core 0, the subscriber processes and this process
(``python -m bench``) to core 1; PostgreSQL and Redis are not pinned. So
"per server core" is literal: both app processes share core 0.

Method, per figure (A = the app, B = the baseline, interleaved A B A B):

1. latency: an event is sent every ``interval`` seconds (open loop). For the
   app it is a ``recordPortalEvent`` mutation over HTTP to the last server
   process, timed from just before the request is sent; for the baseline a
   raw Redis ``PUBLISH`` (or a frame to its ``/publish`` socket without
   Redis), timed from just before it is sent. Each subscriber timestamps the
   frame on receipt (CLOCK_MONOTONIC is one clock for all processes).
2. throughput: a burst of events sent as fast as the server takes them;
   frames/s = frames received / (last receipt - first send).
3. memory: VmRSS of the server processes after one warm-up request and after
   every subscriber has connected and subscribed (idle), per 1,000.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from bench.figures import Figure
from bench.live_clients import Clients, raise_fd_limit
from bench.live_procs import (
    BASE_CHANNEL,
    CLIENT_CPU,
    PROFILE,
    Processes,
    Server,
    rss_kib,
    running,
    start_app,
    start_baseline,
)
from bench.live_report import (
    anchor_figures,
    latency_figure,
    memory_figure,
    throughput_figure,
    unmeasured,
    with_note,
)
from models.db import Database
from service.provisioning import FULL_RIGHTS, create_organisation, create_staff
from service.settings import _normalise_database_url

EVENTS = """subscription {
  activityEvents {
    sequence change reason entryId type status at
    entry { __typename ... on ActivityEntry { id status summary occurredAt hasNotes
      location { name } family { name } } }
  }
}"""

RECORD = """mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { ... on ActivityEntry { sequence } } userErrors { code }
  }
}"""

# About the size of one activityEvents frame, so both push the same bytes.
PAD = "x" * 420


@dataclass(frozen=True)
class Plan:
    subscribers: int
    client_processes: int
    latency_events: int
    interval: float
    rounds: int
    burst: int
    burst_rounds: int

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(200, 2, 10, 0.2, 1, 20, 1)
        return cls(1000, 4, 30, 0.2, 2, 60, 2)


LOCATIONS = ("pool-1", "pool-2", "pool-3")


async def provision(database_url: str) -> tuple[str, str]:
    """A fresh organisation of our own and a full-rights staff token: (portal key, token)."""
    database = Database(_normalise_database_url(database_url))
    unique = uuid.uuid4().hex[:10]
    try:
        async with database.write() as session:
            org = await create_organisation(
                session,
                slug=f"bench-live-{unique}",
                name="Bench Live",
                locations=[(loc, f"Pool {loc}") for loc in LOCATIONS],
            )
            _, token = await create_staff(
                session,
                organisation_id=org.id,
                name="Bench Watcher",
                email=f"watcher.{unique}@bench.test",
                permissions=FULL_RIGHTS,
                location_ids=None,
            )
        return org.portal_key, token
    finally:
        await database.dispose()


def record_input(index: int) -> dict[str, Any]:
    location = LOCATIONS[index % len(LOCATIONS)]
    return {
        "input": {
            "idempotencyKey": uuid.uuid4().hex,
            "family": {"externalId": "fam-bench-live", "name": "Bench Family"},
            "event": {
                "payment": {
                    "externalId": uuid.uuid4().hex,
                    "amount": "25.00",
                    "method": "card",
                    "location": {"externalId": location, "name": f"Pool {location}"},
                }
            },
        }
    }


class Senders:
    """Sends one event to the app (a mutation) or the baseline (a raw publish),
    remembering when each was sent by its key."""

    def __init__(self, http: httpx.AsyncClient, app: Server, portal_key: str) -> None:
        self.http = http
        self.app = app
        self.portal_key = portal_key
        self.sent: dict[str, dict[int, int]] = {"app": {}, "base": {}}
        self.errors: list[str] = []
        self._count = 0
        self._redis: Any = None
        self._socket: Any = None

    async def connect_baseline(self, redis_url: str | None, base: Server) -> None:
        if redis_url:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(redis_url)
        else:
            from websockets.asyncio.client import connect

            self._socket = await connect(f"ws://127.0.0.1:{base.port}/publish", compression=None)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
        if self._socket is not None:
            await self._socket.close()

    async def send(self, kind: str, app: Server | None = None) -> int | None:
        self._count += 1
        if kind == "base":
            key = self._count
            text = json.dumps({"seq": key, "pad": PAD}, separators=(",", ":"))
            self.sent["base"][key] = time.monotonic_ns()
            if self._redis is not None:
                await self._redis.publish(BASE_CHANNEL, text)
            else:
                await self._socket.send(text)
            return key
        started = time.monotonic_ns()
        try:
            response = await self.http.post(
                f"{(app or self.app).http}/graphql",
                json={"query": RECORD, "variables": record_input(self._count)},
                headers={"Authorization": f"Bearer {self.portal_key}"},
            )
            [entry] = response.json()["data"]["recordPortalEvent"]["entries"]
        except Exception as exc:  # counted and reported; the run goes on
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return None
        key = int(entry["sequence"])
        self.sent["app"][key] = started
        return key


async def _until(clients: Clients, kind: str, frames: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and clients.frames(kind) < frames:  # noqa: ASYNC110
        await asyncio.sleep(0.1)  # polling other processes: no Event to wait on


async def latency_round(
    senders: Senders, clients: Clients, kind: str, plan: Plan, expected: dict[str, int]
) -> list[int]:
    """``plan.latency_events`` events, one every ``plan.interval`` s (open loop)."""
    start = time.monotonic()
    tasks = []
    for index in range(plan.latency_events):
        await asyncio.sleep(max(0.0, start + index * plan.interval - time.monotonic()))
        tasks.append(asyncio.create_task(senders.send(kind)))
    keys = [k for k in await asyncio.gather(*tasks) if k is not None]
    expected[kind] += len(keys) * clients.sockets[kind]
    await _until(clients, kind, expected[kind], 30)
    return keys


async def burst_round(
    senders: Senders, clients: Clients, kind: str, plan: Plan, expected: dict[str, int]
) -> tuple[list[int], int]:
    """``plan.burst`` events as fast as they are taken (8 in flight for the app)."""
    gate = asyncio.Semaphore(8 if kind == "app" else 1)

    async def one() -> int | None:
        async with gate:
            return await senders.send(kind)

    started = time.monotonic_ns()
    keys = [k for k in await asyncio.gather(*(one() for _ in range(plan.burst))) if k is not None]
    expected[kind] += len(keys) * clients.sockets[kind]
    await _until(clients, kind, expected[kind], 60)
    return keys, started


async def run(
    processes: Processes, backend: str, plan: Plan, database_url: str, redis_url: str | None
) -> list[Figure]:
    distributed = bool(redis_url) and not database_url.startswith("sqlite")
    portal_key, token = await provision(database_url)
    app = start_app(
        processes,
        2 if distributed else 1,
        database_url,
        redis_url if distributed and redis_url else "memory://",
    )
    base = start_baseline(processes, redis_url if distributed else None)
    async with httpx.AsyncClient(timeout=30) as http:
        senders = Senders(http, app[-1], portal_key)
        await senders.connect_baseline(redis_url if distributed else None, base)
        try:
            for server in app:  # warm each process up once (imports, caches, pools)
                await senders.send("app", server)
            await asyncio.sleep(0.5)
            before = {
                "app": sum(rss_kib(s.process.pid) for s in app),
                "base": rss_kib(base.process.pid),
            }
            clients = Clients(
                processes,
                plan.subscribers,
                plan.client_processes,
                EVENTS,
                [s.ws for s in app],
                f"ws://127.0.0.1:{base.port}/",
                token,
                CLIENT_CPU,
            )
            await asyncio.sleep(2.0)
            after = {
                "app": sum(rss_kib(s.process.pid) for s in app),
                "base": rss_kib(base.process.pid),
            }
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (
                clients.least("app") < 1 or clients.least("base") < 1
            ):
                await senders.send("app")
                await senders.send("base")
                await asyncio.sleep(0.5)
            await asyncio.sleep(1.0)
            expected = {kind: clients.frames(kind) for kind in ("app", "base")}
            latency_keys: dict[str, list[int]] = {"app": [], "base": []}
            per_round: list[tuple[str, list[int]]] = []
            for _ in range(plan.rounds):
                for kind in ("app", "base"):
                    keys = await latency_round(senders, clients, kind, plan, expected)
                    latency_keys[kind] += keys
                    per_round.append((kind, keys))
            bursts: list[tuple[str, list[int], int]] = []
            for _ in range(plan.burst_rounds):
                for kind in ("app", "base"):
                    bursts.append(
                        (kind, *await burst_round(senders, clients, kind, plan, expected))
                    )
            stats = clients.stats()
            receipts = clients.dump()
        finally:
            await senders.close()
    subscribers = clients.sockets
    figures = [
        latency_figure(
            backend,
            distributed,
            senders.sent,
            receipts,
            latency_keys,
            per_round,
            subscribers,
            plan.interval,
        ),
        throughput_figure(backend, receipts, bursts, subscribers),
        memory_figure(backend, distributed, before, after, subscribers),
    ]
    if PROFILE:  # the pid measured is py-spy's, not the server's
        figures[2] = unmeasured(figures[2], "BENCH_PROFILE=1: RSS would be py-spy's")
    figures += anchor_figures(figures, distributed)
    problems = [*senders.errors[:3], *(e for s in stats for e in s.get("first_errors", []))][:3]
    if problems:
        figures = [with_note(f, "errors seen: " + "; ".join(problems)) for f in figures]
    return figures


def live_figures(
    backend: str, quick: bool, database_url: str, redis_url: str | None
) -> list[Figure]:
    """The three live figures on ``backend`` ("postgresql+redis": 2 server
    processes on PostgreSQL + Redis; otherwise 1 on the embedded default).
    Every process started here is stopped before this returns."""
    raise_fd_limit()
    with running() as processes:
        return asyncio.run(run(processes, backend, Plan.for_mode(quick), database_url, redis_url))
