"""Figures measured over HTTP against a real server process, each interleaved
A B A B with its baseline in the same run: the window's first page (req/s and
p99 at half of that rate, open loop), a deep keyset page against page 1, the
badge read over HTTP, and portal ingestion (events/s) against raw INSERTs.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.figures import Distribution, Figure
from bench.load import LoadResult, LoadSpec
from bench.seed import World
from bench.servers import Server, baseline_server, run_load

WINDOW = """query Window($first: Int, $after: String) {
  onlineActivity(first: $first, after: $after) {
    ... on ActivityConnection {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        __typename
        ... on ActivityEntry {
          id status occurredAt summary studentLabel hasNotes location { name }
        }
      }
    }
  }
}"""
PAGE_CURSOR = """query Jump($page: Int!) {
  onlineActivity(first: 10) { ... on ActivityConnection { pageCursor(page: $page) { cursor } } }
}"""
BADGE = "query { activityBadge { waiting pending } }"


@dataclass(frozen=True)
class Plan:
    rounds: int  # A B pairs per figure
    seconds: float  # per closed-loop or open-loop run
    concurrency: int = 16
    ingest_concurrency: int = 8


def body(query: str, variables: dict[str, Any] | None = None) -> str:
    return json.dumps({"query": query, "variables": variables or {}})


def graphql(
    server: Server, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    reply = httpx.post(
        f"{server.url}/graphql",
        content=body(query, variables),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=120,
    )
    reply.raise_for_status()
    payload: dict[str, Any] = reply.json()
    if payload.get("errors"):
        raise RuntimeError(f"GraphQL errors: {payload['errors']}")
    data: dict[str, Any] = payload["data"]
    return data


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def load_server(server: Server, token: str, payload: str, **options: Any) -> LoadResult:
    spec = LoadSpec(
        port=server.port,
        body=payload,
        headers={"Authorization": f"Bearer {token}"},
        **options,
    )
    result = run_load(spec)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests: {result.first_error}")
    return result


def window_figures(app: Server, world: World, plan: Plan, label: str) -> list[Figure]:
    """Figures 1 and 2: first page req/s vs bare strawberry; p99 at 50%."""
    token = world.main.token
    first_page = graphql(app, token, WINDOW, {"first": 10})["onlineActivity"]
    payload = body(WINDOW, {"first": 10})
    expect = '"nodes"'
    with tempfile.TemporaryDirectory() as folder:
        items = Path(folder) / "page.json"
        items.write_text(json.dumps(first_page), encoding="utf-8")
        with baseline_server(f"baseline-{label}", items) as bare:
            check = graphql(bare, token, WINDOW, {"first": 10})["onlineActivity"]
            if check != first_page:
                raise RuntimeError("the baseline does not answer what the app answers")
            ours: list[LoadResult] = []
            theirs: list[LoadResult] = []
            for _ in range(plan.rounds):
                for server, into in ((app, ours), (bare, theirs)):
                    into.append(
                        load_server(
                            server,
                            token,
                            payload,
                            mode="closed",
                            concurrency=plan.concurrency,
                            duration=plan.seconds,
                            expect=expect,
                        )
                    )
            app_rps = median([r.rps for r in ours])
            bare_rps = median([r.rps for r in theirs])
            rate = app_rps / 2
            open_ours: list[LoadResult] = []
            open_theirs: list[LoadResult] = []
            for _ in range(plan.rounds):
                for server, into in ((app, open_ours), (bare, open_theirs)):
                    into.append(
                        load_server(
                            server,
                            token,
                            payload,
                            mode="open",
                            rate=rate,
                            duration=plan.seconds * 1.5,
                            concurrency=8,
                            expect=expect,
                        )
                    )
    ratio = app_rps / bare_rps if bare_rps else None
    closed_a = Distribution.of([x for r in ours for x in r.latencies_ms])
    closed_b = Distribution.of([x for r in theirs for x in r.latencies_ms])
    open_a = Distribution.of([x for r in open_ours for x in r.latencies_ms])
    open_b = Distribution.of([x for r in open_theirs for x in r.latencies_ms])
    p99s = [Distribution.of(r.latencies_ms).p99 for r in open_ours]
    p99 = median(p99s)
    bare_p99 = median([Distribution.of(r.latencies_ms).p99 for r in open_theirs])
    late = sum(r.late_starts for r in open_ours)
    return [
        Figure(
            name="1. window first page (10 union items), throughput",
            measured=f"{app_rps:,.0f} req/s (median of {plan.rounds} runs, "
            f"{plan.concurrency} connections)",
            baseline=f"{bare_rps:,.0f} req/s bare strawberry, same 10 items from memory",
            ratio=ratio,
            target=">= 0.5x",
            met=None if ratio is None else ratio >= 0.5,
            backend=label,
            notes=f"runs: {', '.join(f'{r.rps:,.0f}' for r in ours)} vs "
            f"{', '.join(f'{r.rps:,.0f}' for r in theirs)} req/s",
            distributions={"app (closed loop)": closed_a, "baseline (closed loop)": closed_b},
        ),
        Figure(
            name="2. window first page, p99 latency at 50% of max throughput (open loop)",
            measured=f"p99 {p99:.1f} ms at {rate:,.0f} req/s (median of the runs' p99: "
            f"{', '.join(f'{p:.1f}' for p in p99s)} ms)",
            baseline=f"p99 {bare_p99:.1f} ms bare strawberry at the same rate",
            ratio=p99 / bare_p99 if bare_p99 else None,
            target="<= 25 ms",
            met=p99 <= 25.0,
            backend=label,
            notes="latency from each request's intended send time (coordinated omission "
            f"counted); {late} requests left late by the generator",
            distributions={"app (open loop)": open_a, "baseline (open loop)": open_b},
        ),
    ]


def deep_page_figure(app: Server, world: World, plan: Plan, label: str) -> Figure:
    """Figure 3: page 5,000 by keyset ``after`` cursor vs page 1."""
    token = world.main.token
    pages = world.entries // 10
    deep = min(5000, pages // 2)
    jump = graphql(app, token, PAGE_CURSOR, {"page": deep - 1})
    offset_cursor = jump["onlineActivity"]["pageCursor"]["cursor"]
    previous = graphql(app, token, WINDOW, {"first": 10, "after": offset_cursor})
    keyset = previous["onlineActivity"]["pageInfo"]["endCursor"]
    page_one = body(WINDOW, {"first": 10})
    page_deep = body(WINDOW, {"first": 10, "after": keyset})
    page_jump = body(WINDOW, {"first": 10, "after": offset_cursor})
    ones: list[LoadResult] = []
    deeps: list[LoadResult] = []
    jumps: list[LoadResult] = []
    for _ in range(plan.rounds):
        for payload, into in ((page_one, ones), (page_deep, deeps), (page_jump, jumps)):
            into.append(
                load_server(
                    app,
                    token,
                    payload,
                    mode="closed",
                    concurrency=1,
                    duration=plan.seconds / 2,
                    expect='"nodes"',
                )
            )
    one = Distribution.of([x for r in ones for x in r.latencies_ms])
    far = Distribution.of([x for r in deeps for x in r.latencies_ms])
    jumped = Distribution.of([x for r in jumps for x in r.latencies_ms])
    ratio = far.p50 / one.p50 if one.p50 else None
    return Figure(
        name=f"3. page {deep:,} by keyset cursor vs page 1, latency",
        measured=f"p50 {far.p50:.2f} ms, p99 {far.p99:.2f} ms",
        baseline=f"page 1: p50 {one.p50:.2f} ms, p99 {one.p99:.2f} ms",
        ratio=ratio,
        target="<= 2x",
        met=None if ratio is None else ratio <= 2.0,
        backend=label,
        notes=f"one request at a time; ratio of medians. A typed page number "
        f"(pageCursor, an offset) to page {deep - 1:,}+1: p50 {jumped.p50:.2f} ms",
        distributions={
            "page 1": one,
            f"page {deep:,} (keyset)": far,
            f"page {deep:,} (page-number jump)": jumped,
        },
    )


def badge_http(app: Server, world: World, plan: Plan) -> Distribution:
    results = [
        load_server(
            app,
            world.main.token,
            body(BADGE),
            mode="closed",
            concurrency=1,
            duration=plan.seconds / 2,
            expect='"waiting"',
        )
        for _ in range(plan.rounds)
    ]
    return Distribution.of([x for r in results for x in r.latencies_ms])


def guarded(name: str, label: str, make: Callable[[], list[Figure]]) -> list[Figure]:
    """A figure that fails to measure is reported as not measured, with why."""
    try:
        return make()
    except Exception as error:
        return [
            Figure(
                name=name,
                measured="not measured",
                baseline="",
                ratio=None,
                target="",
                met=None,
                backend=label,
                notes=f"{error.__class__.__name__}: {error}"[:500],
            )
        ]
