"""The many-organisations workload: what real use looks like.

N organisations (2,000; 200 with ``--quick``), each with a window, a widget
and a badge subscriber (3 sockets per organisation, spread over 2 server
processes on PostgreSQL + Redis), while portal events arrive at about
20/s spread over the organisations and staff read windows at 50/s, each
read of another organisation than the last (so no cache of the server can
answer it: this is the "caches unable to help" reading by construction).

Measured: event delivery (from just before the ``recordPortalEvent``
request to each subscriber's receipt) p50/p99/max, with delivery checked
per socket against the sequences the writes returned (every one delivered,
none twice, none out of order); the window read and the write, each open
loop and timed from its due time (coordinated omission counted); server
RSS per socket idle and after the load; server CPU per second.

Placement: server process i is pinned to core i (two processes, two cores,
as a two-process deployment on this machine would run); the socket
processes may run on either core; the read generators and this process are
on core 1.
"""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.backends import Backend, prepare
from bench.documents import WINDOW
from bench.figures import Figure
from bench.http_figures import body
from bench.live import RECORD
from bench.live_clients import raise_fd_limit
from bench.live_procs import Processes, Server, rss_kib, running, start_app
from bench.load import LoadResult, LoadSpec
from bench.orgs_report import Outcome, Sent, orgs_report
from bench.orgs_seed import Org, seed_orgs
from bench.servers import run_load
from models.db import Database

WINDOW_EVENTS = """subscription Window($after: Int) {
  activityEvents(afterSequence: $after) {
    sequence change reason entryId type status at
    entry { __typename ... on ActivityEntry { id status summary occurredAt hasNotes
      availableActions location { name } family { name } } }
  }
}"""
WIDGET_EVENTS = """subscription Widget($after: Int) {
  activityEvents(afterSequence: $after) { sequence change entryId type status }
}"""
BADGE = "subscription Badge { activityBadge { waiting pending } }"
ROLES = ("window", "widget", "badge")


@dataclass(frozen=True)
class Plan:
    organisations: int
    entries: int  # per organisation
    seconds: float  # of load
    events_per_second: float = 20.0
    reads_per_second: float = 50.0
    servers: int = 2
    client_processes: int = 3

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        return cls(200, 30, 20.0) if quick else cls(2000, 30, 90.0)


@dataclass
class Writes:
    sent: list[Sent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def portal_event(org: Org) -> dict[str, Any]:
    return {
        "input": {
            "idempotencyKey": uuid.uuid4().hex,
            "family": {"externalId": "bench-family-0", "name": "Family0"},
            "event": {
                "payment": {
                    "externalId": uuid.uuid4().hex,
                    "amount": "25.00",
                    "method": "card",
                    "location": {"externalId": "pool", "name": "Riverside Pool"},
                }
            },
        }
    }


class SocketProcesses:
    """The ``bench.orgs_clients`` processes, driven over stdin/stdout."""

    def __init__(self, processes: Processes, config: list[dict[str, Any]]) -> None:
        self.processes = processes
        self.children: list[subprocess.Popen[bytes]] = []
        for index, one in enumerate(config):
            child = processes.start(
                f"sockets-{index}",
                [sys.executable, "-m", "bench.orgs_clients"],
                {},
                None,
                pipe=True,
            )
            self._send(child, json.dumps(one))
            self.children.append(child)
        self.connected = 0
        self.errors: list[str] = []
        for index in range(len(self.children)):
            answer = self._read(index)
            self.connected += int(answer["connected"])
            self.errors += answer["errors"]

    @staticmethod
    def _send(child: subprocess.Popen[bytes], line: str) -> None:
        assert child.stdin is not None
        child.stdin.write(line.encode() + b"\n")
        child.stdin.flush()

    def _read(self, index: int) -> Any:
        stdout = self.children[index].stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError(
                f"sockets-{index} exited:\n{self.processes.log_tail(f'sockets-{index}')}"
            )
        return json.loads(line)

    def stats(self) -> list[dict[str, Any]]:
        for child in self.children:
            self._send(child, "stats")
        return [self._read(i) for i in range(len(self.children))]

    def frames(self) -> int:
        return sum(sum(s["frames"].values()) for s in self.stats())

    def dump(self) -> list[tuple[int, int, int]]:
        for child in self.children:
            self._send(child, "dump")
        found: list[tuple[int, int, int]] = []
        for index in range(len(self.children)):
            found += [(int(s), int(k), int(t)) for s, k, t in self._read(index)]
        return found


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far (ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def sched_ns(pid: int) -> tuple[int, int]:
    """Nanoseconds a process has run on a CPU and waited, runnable, for one
    (``/proc/PID/schedstat``; zeros where the kernel does not keep it)."""
    path = Path(f"/proc/{pid}/schedstat")
    if not path.exists():
        return 0, 0
    ran, waited, _ = (int(x) for x in path.read_text().split())
    return ran, waited


def waited_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """Of the time a process was runnable between two ``sched_ns``, the
    share it spent waiting for a CPU (other processes of the machine had it)."""
    ran, waited = after[0] - before[0], after[1] - before[1]
    return waited / (ran + waited) if ran + waited > 0 else 0.0


async def write_load(
    http: httpx.AsyncClient, servers: list[Server], orgs: list[Org], plan: Plan
) -> Writes:
    """Portal events at ``plan.events_per_second``, open loop, each to the
    next organisation of a shuffled cycle, alternating the server."""
    writes = Writes()
    order = list(orgs)
    random.Random(12).shuffle(order)
    total = int(plan.events_per_second * plan.seconds)
    interval = 1.0 / plan.events_per_second
    start = time.monotonic() + 0.05

    async def one(index: int, due: float) -> None:
        org = order[index % len(order)]
        server = servers[index % len(servers)]
        sent_ns = time.monotonic_ns()
        try:
            reply = await http.post(
                f"{server.http}/graphql",
                json={"query": RECORD, "variables": portal_event(org)},
                headers={"Authorization": f"Bearer {org.portal_key}"},
            )
            data = reply.json()["data"]["recordPortalEvent"]
            if data["userErrors"]:
                raise RuntimeError(str(data["userErrors"]))
            sequences = [int(e["sequence"]) for e in data["entries"]]
        except Exception as exc:  # counted and reported; the run goes on
            writes.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            return
        latency = (time.monotonic() - due) * 1000
        writes.sent.append(Sent(org.index, sequences, sent_ns, latency))

    tasks = []
    for index in range(total):
        due = start + index * interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    return writes


def read_load(server: Server, orgs: list[Org], plan: Plan, seed: int) -> LoadResult:
    tokens = [o.token for o in orgs]
    random.Random(seed).shuffle(tokens)
    spec = LoadSpec(
        port=server.port,
        body=body(WINDOW, {"first": 10}),
        mode="open",
        rate=plan.reads_per_second / plan.servers,
        duration=plan.seconds,
        concurrency=8,
        tokens=tokens,
        expect='"nodes"',
        warmup=0.0,
    )
    return run_load(spec, timeout=plan.seconds * 4 + 120)  # an overloaded server queues


def socket_config(orgs: list[Org], servers: list[Server], plan: Plan) -> list[dict[str, Any]]:
    """Each organisation's 3 sockets: window and badge on one server, the
    widget on the other; spread over the socket processes."""
    queries = {"window": WINDOW_EVENTS, "widget": WIDGET_EVENTS, "badge": BADGE}
    specs: list[list[Any]] = []
    for org in orgs:
        home = org.index % len(servers)
        for offset, role in enumerate(ROLES):
            url = (home + 1) % len(servers) if role == "widget" else home
            specs.append([org.index * 3 + offset, role, url, org.token, org.sequence])
    return [
        {
            "urls": [s.ws for s in servers],
            "queries": queries,
            "sockets": specs[i :: plan.client_processes],
        }
        for i in range(plan.client_processes)
    ]


async def _until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.5)  # polling other processes: no event to wait on
    return bool(condition())


async def run(processes: Processes, backend: Backend, plan: Plan) -> Outcome:
    began = time.monotonic()
    database = Database(backend.async_url, pool_size=2)
    try:
        orgs = await seed_orgs(database, plan.organisations, plan.entries)
    finally:
        await database.dispose()
    seeded = time.monotonic() - began
    print(f"   orgs: {len(orgs):,} organisations seeded in {seeded:.0f}s", flush=True)
    servers = start_app(
        processes,
        plan.servers,
        backend.database_url,
        backend.broadcast_url,
        cpus=(0, 1),
        name="orgs",
    )
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=32)) as http:
        for server in servers:  # one read each: imports, pools, caches warmed
            reply = await http.post(
                f"{server.http}/graphql",
                content=body(WINDOW, {"first": 10}),
                headers={
                    "Authorization": f"Bearer {orgs[0].token}",
                    "Content-Type": "application/json",
                },
            )
            reply.raise_for_status()
        await asyncio.sleep(1.0)
        pids = [s.process.pid for s in servers]
        rss_before = [rss_kib(p) for p in pids]
        began = time.monotonic()
        cpu_unconnected = [cpu_ms(p) for p in pids]
        sockets = SocketProcesses(processes, socket_config(orgs, servers, plan))
        # Every badge subscriber has had its first frame (the badge now).
        badges_live = await _until(
            lambda: sum(s["frames"].get("badge", 0) for s in sockets.stats()) >= len(orgs), 120
        )
        connect_seconds = time.monotonic() - began
        print(
            f"   orgs: {sockets.connected:,} sockets connected in {connect_seconds:.0f}s",
            flush=True,
        )
        connect_cpu = [cpu_ms(p) - c for p, c in zip(pids, cpu_unconnected, strict=True)]
        await asyncio.sleep(5.0)
        rss_idle = [rss_kib(p) for p in pids]
        cpu_before = [cpu_ms(p) for p in pids]
        sched_before = [sched_ns(p) for p in pids]
        frames_before = sockets.frames()
        started = time.monotonic()
        reads = [  # started now: they run beside the writes
            asyncio.create_task(asyncio.to_thread(read_load, server, orgs, plan, index))
            for index, server in enumerate(servers)
        ]
        writes = await write_load(http, servers, orgs, plan)
        read_results = await asyncio.gather(*reads)
        loaded = time.monotonic() - started
        cpu_after = [cpu_ms(p) for p in pids]
        waited = [waited_share(b, sched_ns(p)) for p, b in zip(pids, sched_before, strict=True)]
        # Each write: its entries to the window and the widget, one badge push.
        expected = frames_before + sum(2 * len(w.sequences) + 1 for w in writes.sent)
        await _until(lambda: sockets.frames() >= expected, 30)
        rss_after = [rss_kib(p) for p in pids]
        stats = sockets.stats()
        receipts = sockets.dump()
    return Outcome(
        plan_organisations=plan.organisations,
        seconds=loaded,
        orgs={o.index: o for o in orgs},
        sockets=sockets.connected,
        socket_errors=sockets.errors + [e for s in stats for e in s["first_errors"]],
        badges_live=badges_live,
        connect_seconds=connect_seconds,
        sent=writes.sent,
        write_errors=writes.errors,
        reads=list(read_results),
        receipts=receipts,
        rss_before=rss_before,
        rss_idle=rss_idle,
        rss_after=rss_after,
        cpu_ms=[a - b for a, b in zip(cpu_after, cpu_before, strict=True)],
        connect_cpu_ms=connect_cpu,
        cpu_waited=waited,
    )


def check_limits(plan: Plan) -> None:
    """Enough file descriptors per process and ephemeral ports for the
    sockets, or a clear error before anything starts."""
    import resource

    sockets = 3 * plan.organisations
    per_process = max(sockets // plan.client_processes, sockets // plan.servers) + 256
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < per_process:
        raise RuntimeError(
            f"ulimit -Hn is {hard}: {per_process} file descriptors per process are needed"
        )
    ports = Path("/proc/sys/net/ipv4/ip_local_port_range")
    if ports.exists():
        low, high = (int(x) for x in ports.read_text().split())
        if high - low < sockets + 2_000:
            raise RuntimeError(f"ephemeral ports {low}-{high}: fewer than {sockets + 2_000}")


def orgs_figures(backend: Backend, quick: bool) -> list[Figure]:
    """The many-organisations figures on PostgreSQL + Redis; every process
    started here is stopped before this returns."""
    raise_fd_limit()
    plan = Plan.for_mode(quick)
    check_limits(plan)
    prepare(backend)  # a database of its own: migrations, then only these organisations
    with running() as processes:
        outcome = asyncio.run(run(processes, backend, plan))
    return orgs_report(outcome, backend.label)
