"""Helpers for the figures measured over HTTP against a real server process
(the window's first page is ``bench.window_figure``), and figure 3: a deep
keyset page against page 1, interleaved in the same run; the badge read over
HTTP for figure 4.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.documents import BADGE, PAGE_CURSOR, WINDOW_LIST
from bench.figures import Distribution, Figure
from bench.load import LoadResult, LoadSpec
from bench.seed import World
from bench.servers import Server, run_load


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
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    reply = httpx.post(
        f"{server.url}/graphql", content=body(query, variables), headers=headers, timeout=120
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
        headers={"Authorization": f"Bearer {token}"} if token else {},
        **options,
    )
    result = run_load(spec)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests: {result.first_error}")
    return result


def deep_page_figure(app: Server, world: World, plan: Plan, label: str) -> Figure:
    """Figure 3: page 5,000 by keyset ``after`` cursor vs page 1."""
    token = world.main.token
    pages = world.entries // 10
    deep = min(5000, pages // 2)
    jump = graphql(app, token, PAGE_CURSOR, {"page": deep - 1})
    offset_cursor = jump["onlineActivity"]["pageCursor"]["cursor"]
    previous = graphql(app, token, WINDOW_LIST, {"first": 10, "after": offset_cursor})
    keyset = previous["onlineActivity"]["pageInfo"]["endCursor"]
    page_one = body(WINDOW_LIST, {"first": 10})
    page_deep = body(WINDOW_LIST, {"first": 10, "after": keyset})
    page_jump = body(WINDOW_LIST, {"first": 10, "after": offset_cursor})
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
