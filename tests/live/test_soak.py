"""Soak: portal events at a fixed rate, staff acting, subscribers on two processes.

Issue 10: "A soak test in the suite (bounded, a minute or two) proves it at a
rate above the machine's fan-out capacity: write p99 bounded, every
subscriber ends with every change exactly once, RSS back within 20% of its
start after the load." Real uvicorn processes (two on PostgreSQL + Redis, one
on the embedded default), real ``websockets`` subscribers, portal events sent
open-loop at a fixed rate (a write answered 503 is sent again afterwards with
its idempotency key, as the portal would), and staff actions through the same
API with the staff member's edit lock, as the issue's load had them ("At 30
events/s plus 5 staff actions/s"): one for every six events, every other one
dismissing an entry the portal recorded (a change every subscriber must get),
the others emailing its family. Subscribers the server closes (1013 when they
could not keep up) reconnect and resume with ``afterSequence``.

Bounds are generous for a loaded 2-core CI machine, and still far from the
failure the issue measured (write p50 15 s, p99 65 s, 658 requests past 30 s,
one process from 98 MB to 498 MB).

The load is no longer above the servers' fan-out (issue 12's direct live
delivery): on PostgreSQL + Redis they kept up with it, and with 40 events/s
to 400 subscribers, the subscribers one event behind when asked at the
load's end and caught up 0.0-0.1 s later. The test asserted they were
behind then, a race it lost once in four loaded runs; it now reports where
they were. A subscriber that cannot keep up (the server's 1013 and the
replay) is ``tests/live/test_slow_consumer.py``'s.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.settings import REPO_ROOT
from tests.live.conftest import DISTRIBUTED, server_env, serving
from tests.live.recording import LOCATION_NAMES, RECORD
from tests.live.servers import RedisServer, Server
from tests.support import Tenant, World

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

# PostgreSQL + Redis: two processes; SQLite: the one process, a smaller load.
SOCKETS = int(os.environ.get("SOAK_SOCKETS", 40 if DISTRIBUTED else 20))
OPERATIONS = 5  # activityEvents subscriptions per socket
# Portal events per second, open loop.
RATE = float(os.environ.get("SOAK_RATE", 12.0 if DISTRIBUTED else 8.0))
ACTION_RATE = RATE / 6  # staff actions per second, open loop (the 5 per 30 events)
WARM_SECONDS = 5.0
LOAD_SECONDS = 15.0
CATCH_UP_SECONDS = 90.0

BASELINE_SECONDS = 6.0
# Write latency under load: at most this, or WRITE_FACTOR times the same
# figure with nobody subscribed in the same run (a machine shared with other
# work is slow for everyone).
WRITE_P99_SECONDS = 2.0
WRITE_MAX_SECONDS = 12.0  # DB_WRITE_WAIT_SECONDS (5) and a busy loop, not a convoy
WRITE_FACTOR = 4.0
MAX_REFUSED = 0.10  # answered 503 (sent again later): a share of the writes
# The bound. RSS's "start" is each process's resident size once the
# warm-up burst (the same load for WARM_SECONDS, staff actions included) has
# reached every subscriber: imports, pools, prepared statements and every
# socket's state are in it, the per-process caches of the last events (bounded
# by count: schema.live, schema.execution, subscriptions.activity) partly
# filled. "After" is the size once every subscriber has caught up and the
# process had MEMORY_CHECK_SECONDS to give memory back. Measured with 40-65 s
# of backlog at the load's end: 1.13-1.16 (PostgreSQL), 1.03 (SQLite); what
# stays is those caches filled (about 4 MB of objects, most of it the entries
# of the last shared reads) and the free space of CPython's arenas they pin
# (about 8 MB; a full collection and malloc_trim give back under 1 MB). It
# was 1.18-1.32 while every subscription kept each event's collected fields
# (schema.execution._with_own_memo).
RSS_GROWTH = 1.2
RSS_SETTLE_SECONDS = 15.0


@pytest.fixture(scope="module")
def servers(
    live_database: str,
    redis_server: RedisServer | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Server]]:
    """The soak's own server processes: all its subscribers are one staff
    member's sockets, past MAX_SOCKETS_PER_STAFF's default of 10, which the
    other live tests' servers keep."""
    logs = tmp_path_factory.mktemp("soak-logs")
    env = {
        **server_env(live_database, redis_server, logs),
        "MAX_SOCKETS_PER_STAFF": str(SOCKETS),
    }
    with serving(env, logs) as started:
        yield started


def _p99(ordered: list[float]) -> float:
    return ordered[int(0.99 * (len(ordered) - 1))]


async def _rss_settled(servers: list[Server], before: dict[str, int]) -> dict[str, int]:
    deadline = time.monotonic() + RSS_SETTLE_SECONDS
    while True:
        now = {s.name: rss_bytes(s.process.pid) for s in servers}
        if time.monotonic() > deadline or all(
            now[name] <= start * RSS_GROWTH for name, start in before.items()
        ):
            return now
        await asyncio.sleep(1)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


class Subscribers:
    """The subscriber process (``tests/live/soak_subscribers.py``)."""

    def __init__(self, servers: list[Server], token: str, after: int) -> None:
        self.process = subprocess.Popen(
            [
                *[sys.executable, "-m", "tests.live.soak_subscribers", "--token", token],
                *["--after", str(after), "--sockets", str(SOCKETS)],
                *["--operations", str(OPERATIONS), "--deadline", str(CATCH_UP_SECONDS)],
                *[s.ws for s in servers],
            ],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    async def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        return line.strip()

    async def until(self, sequence: int) -> None:
        answer = await self.ask(f"until {sequence}")
        assert answer == f"reached {sequence}", answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@dataclass
class Writes:
    latencies: list[float] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    sequences: list[int] = field(default_factory=list)
    # Recorded entries staff have not acted on yet (global ids).
    entries: list[str] = field(default_factory=list)


@dataclass
class Actions:
    latencies: list[float] = field(default_factory=list)
    dismissed: list[str] = field(default_factory=list)
    emailed: list[str] = field(default_factory=list)
    refused: int = 0


DISMISS = """
mutation Dismiss($ids: [ID!], $token: String) {
  dismissActivities(input: {ids: $ids, lockToken: $token}) {
    dismissedCount
    userErrors { code message }
  }
}
"""
EMAIL = """
mutation Email($ids: [ID!], $token: String) {
  emailFamilies(
    input: {ids: $ids, lockToken: $token, subject: "Soak", body: "Hello {{family_name}}"}
  ) {
    sent
    userErrors { code message }
  }
}
"""
ACQUIRE = """
mutation Acquire {
  acquireEditLock(input: {surface: WINDOW, takeOver: true}) { lease { token } userErrors { code } }
}
"""
SEQUENCE = "query { onlineActivity(first: 1) { ... on ActivityConnection { sequence } } }"


def _payment() -> dict[str, Any]:
    location = {"externalId": "main", "name": LOCATION_NAMES["main"]}
    return {
        "input": {
            "idempotencyKey": uuid.uuid4().hex,
            # Many families, as in a school: one family's events queue on its row.
            "family": {
                "externalId": (family := f"fam-{uuid.uuid4().hex[:12]}"),
                "name": "Soak",
                "email": f"{family}@soak.test",
            },
            "event": {
                "payment": {
                    "externalId": uuid.uuid4().hex,
                    "amount": "5.00",
                    "method": "card",
                    "location": location,
                }
            },
        }
    }


async def _record(
    http: httpx.AsyncClient, server: Server, key: str, variables: dict[str, Any], writes: Writes
) -> None:
    started = time.monotonic()
    response = await http.post(
        f"{server.http}/graphql",
        json={"query": RECORD, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    writes.latencies.append(time.monotonic() - started)
    if response.status_code == 503:
        assert int(response.headers["Retry-After"]) >= 1
        writes.refused.append(variables)
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    [entry] = body["data"]["recordPortalEvent"]["entries"]
    writes.sequences.append(int(entry["sequence"]))
    writes.entries.append(entry["id"])


async def _staff_query(
    http: httpx.AsyncClient, server: Server, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post(
        f"{server.http}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


async def current_sequence(http: httpx.AsyncClient, server: Server, token: str) -> int:
    data = await _staff_query(http, server, token, SEQUENCE, {})
    return int(data["onlineActivity"]["sequence"])


async def edit_lock(http: httpx.AsyncClient, server: Server, token: str) -> str:
    data = await _staff_query(http, server, token, ACQUIRE, {})
    lease = data["acquireEditLock"]
    assert lease["userErrors"] == [], lease
    return str(lease["lease"]["token"])


async def _act(
    http: httpx.AsyncClient,
    server: Server,
    staff: tuple[str, str],
    entry: str,
    dismiss: bool,
    actions: Actions,
) -> None:
    token, lock = staff
    started = time.monotonic()
    response = await http.post(
        f"{server.http}/graphql",
        json={"query": DISMISS if dismiss else EMAIL, "variables": {"ids": [entry], "token": lock}},
        headers={"Authorization": f"Bearer {token}"},
    )
    actions.latencies.append(time.monotonic() - started)
    if response.status_code == 503:  # staff see "try again"; it changed nothing
        assert int(response.headers["Retry-After"]) >= 1
        actions.refused += 1
        return
    assert response.status_code == 200, response.text
    body = response.json()
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
    if codes == {"DATABASE_UNAVAILABLE"}:  # the same, from inside the mutation
        actions.refused += 1
        return
    assert not body.get("errors"), body
    if dismiss:
        result = body["data"]["dismissActivities"]
        assert result["userErrors"] == [] and result["dismissedCount"] == 1, result
        actions.dismissed.append(entry)
    else:
        result = body["data"]["emailFamilies"]
        assert result["userErrors"] == [] and result["sent"] == 1, result
        actions.emailed.append(entry)


async def _staff_loop(
    http: httpx.AsyncClient,
    servers: list[Server],
    staff: tuple[str, str],
    writes: Writes,
    actions: Actions,
    seconds: float,
) -> None:
    """``ACTION_RATE`` staff actions a second for ``seconds``, on the entries
    the portal has recorded by then, whatever the answers take."""
    tasks = []
    started = time.monotonic()
    for index in range(int(ACTION_RATE * seconds)):
        delay = started + (index + 0.5) / ACTION_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if not writes.entries:
            continue
        server = servers[(index + 1) % len(servers)]
        entry = writes.entries.pop(0)
        action = _act(http, server, staff, entry, index % 2 == 0, actions)
        tasks.append(asyncio.create_task(action))
    await asyncio.gather(*tasks)


async def _open_loop(
    http: httpx.AsyncClient, servers: list[Server], key: str, writes: Writes, seconds: float
) -> None:
    """``RATE`` events a second for ``seconds``, whatever the answers take."""
    tasks = []
    started = time.monotonic()
    for index in range(int(RATE * seconds)):
        delay = started + index / RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        server = servers[index % len(servers)]
        tasks.append(asyncio.create_task(_record(http, server, key, _payment(), writes)))
    await asyncio.gather(*tasks)


async def _load(
    http: httpx.AsyncClient,
    servers: list[Server],
    tenant: Tenant,
    writes: Writes,
    actions: Actions,
    seconds: float,
) -> None:
    """Portal events and staff actions on them, side by side, for ``seconds``."""
    staff = (tenant.full, await edit_lock(http, servers[0], tenant.full))
    await asyncio.gather(
        _open_loop(http, servers, tenant.portal_key, writes, seconds),
        _staff_loop(http, servers, staff, writes, actions, seconds),
    )


async def _rss_peaks(servers: list[Server], peaks: dict[str, int]) -> None:
    while True:
        for s in servers:
            peaks[s.name] = max(peaks.get(s.name, 0), rss_bytes(s.process.pid))
        await asyncio.sleep(0.25)


def _bounds(quiet: list[float]) -> tuple[float, float]:
    """p99 and max bounds for figures measured with nobody subscribed."""
    ordered = sorted(quiet)
    return (
        max(WRITE_P99_SECONDS, WRITE_FACTOR * _p99(ordered)),
        max(WRITE_MAX_SECONDS, WRITE_FACTOR * ordered[-1]),
    )


def _figures(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    return (
        f"p50 {statistics.median(ordered):.3f} s, p99 {_p99(ordered):.3f} s, "
        f"max {ordered[-1]:.3f} s"
    )


async def test_a_steady_load_keeps_writes_bounded_delivers_everything_once_and_gives_memory_back(
    servers: list[Server], world: World
) -> None:
    tenant = world.harbour
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        # The same load with nobody subscribed: this machine's baseline now.
        quiet, quiet_actions = Writes(), Actions()
        await _load(http, servers, tenant, quiet, quiet_actions, BASELINE_SECONDS)
        start = await current_sequence(http, servers[0], tenant.full)
        subscribers = Subscribers(servers, tenant.full, start)
        peaks: dict[str, int] = {}
        try:
            # Warm up (pools, caches, every subscriber live) with a burst of the same
            # load; RSS's start is measured once every subscriber has it all.
            warm, warm_actions = Writes(), Actions()
            await _load(http, servers, tenant, warm, warm_actions, WARM_SECONDS)
            await subscribers.until(await current_sequence(http, servers[0], tenant.full))
            rss_before = {s.name: rss_bytes(s.process.pid) for s in servers}
            sampling = asyncio.create_task(_rss_peaks(servers, peaks))

            # When portal events come faster than they can be fanned out, staff acting
            writes, actions = Writes(), Actions()
            await _load(http, servers, tenant, writes, actions, LOAD_SECONDS)
            load_done = time.monotonic()
            behind = await subscribers.ask(f"until {max(writes.sequences)} 0")
            # (the portal sends what was refused again, same key, after Retry-After)
            for variables in list(writes.refused):
                retried = Writes()
                for _ in range(10):
                    await _record(http, servers[0], tenant.portal_key, variables, retried)
                    if retried.sequences:
                        break
                    await asyncio.sleep(1)
                writes.sequences.extend(retried.sequences)
            final = await current_sequence(http, servers[0], tenant.full)
            await subscribers.until(final)
            caught_up_after = time.monotonic() - load_done
            # (a quiet process gives memory back within MEMORY_CHECK_SECONDS, 10)
            rss_after = await _rss_settled(servers, rss_before)
            sampling.cancel()
            dump = json.loads(await subscribers.ask("dump"))
        finally:
            subscribers.stop()

    sent = len(writes.latencies)
    latencies = sorted(writes.latencies)
    p99 = _p99(latencies)
    bound, max_bound = _bounds(quiet.latencies)
    acted = len(actions.latencies)
    # (some 20 staff actions: their p99 would be the second slowest one, so
    # their tail is held by the p90 here and by the max bound below)
    action_p90 = sorted(actions.latencies)[int(0.9 * (acted - 1))]
    # (staff actions are writes too; a few seconds of them alone are too few
    # for a p99, so their baseline is every write with nobody subscribed)
    action_bound, action_max_bound = _bounds(quiet.latencies + quiet_actions.latencies)
    mib = {name: round(value / 2**20, 1) for name, value in rss_before.items()}
    report = (
        f"{sent} writes at {RATE}/s: {_figures(writes.latencies)} (p99 bound {bound:.3f} s; "
        f"with nobody subscribed {_figures(quiet.latencies)}), {len(writes.refused)} answered "
        f"503; {acted} staff actions at {ACTION_RATE:.1f}/s ({len(actions.dismissed)} "
        f"dismissals, {len(actions.emailed)} emails): {_figures(actions.latencies)} (p90 bound "
        f"{action_bound:.3f} s; with nobody subscribed {_figures(quiet_actions.latencies)}), "
        f"{actions.refused} answered 503; {SOCKETS * OPERATIONS} subscribers at load end: "
        f"{behind}; caught up {caught_up_after:.1f} s after the load, "
        f"{sum(len(d['closes']) for d in dump)} reconnects "
        f"(codes {sorted({c for d in dump for c in d['closes']}, key=str)}); RSS MiB start {mib}, "
        f"peak { {n: round(v / 2**20, 1) for n, v in peaks.items()} }, "
        f"after { {n: round(v / 2**20, 1) for n, v in rss_after.items()} }"
    )
    print(report)
    # Then every write and every staff action was answered in bounded time,
    # most of them done at once
    assert p99 < bound, report
    assert latencies[-1] < max_bound, report
    assert len(writes.refused) <= MAX_REFUSED * sent, report
    assert acted >= ACTION_RATE * LOAD_SECONDS - 2, report
    assert action_p90 < action_bound, report
    assert max(actions.latencies) < action_max_bound, report
    assert actions.refused <= MAX_REFUSED * acted, report
    # And every subscriber has every change exactly once, in order: each portal
    # event and each dismissal is one change
    expected = list(range(start + 1, final + 1))
    recorded = sorted(writes.sequences + warm.sequences)
    assert len(set(recorded)) == len(recorded) and set(recorded) <= set(expected), report
    dismissed = len(warm_actions.dismissed) + len(actions.dismissed)
    assert len(expected) == len(recorded) + dismissed, report
    for subscriber in dump:
        for operation in range(1, OPERATIONS + 1):
            assert subscriber["seen"][str(operation)] == expected, report
    # And the servers gave the memory of the load back
    for name, before in rss_before.items():
        assert rss_after[name] <= before * RSS_GROWTH, report
