"""Figures 1 and 2: the window's first page against every anchor, one
interleaved run.

Series, each a real server process pinned to the server core, measured in
turn within every round (A B C D ... A B C D ...), all with the same
document (``bench.documents.WINDOW``) except PostGraphile and hello:

- ``app``: our server as deployed (its caches on), the main organisation.
- ``app, caches off``: a second app process with ``servers.CACHES_OFF``,
  its requests spread over every seeded organisation in turn: the number
  held to the target, since no cache of the server can answer it.
- ``bare strawberry``: the same document and JSON from memory with the
  app's extensions (parser and validation caches, the limits).
- ``bare strawberry, no parse/validation caches``: the old figures' baseline.
- ``PostGraphile`` (PostgreSQL only): the same first page of the entries
  table from the same database.
- ``starlette hello``: the HTTP ceiling.

Figure 2 is open loop at half of an app series' measured maximum, against
bare strawberry at the same rate.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.backends import Backend
from bench.documents import POSTGRAPHILE_WINDOW, WINDOW
from bench.figures import Distribution, Figure
from bench.http_figures import Plan, body, graphql, load_server, median
from bench.load import LoadResult
from bench.postgraphile import installed, name_self_references, postgraphile_server
from bench.seed import World
from bench.servers import (
    CACHES_OFF,
    Server,
    app_server,
    baseline_server,
    hello_server,
)

APP, COLD, BARE, UNCACHED, POSTGRAPHILE, HELLO = (
    "app",
    "app, caches off",
    "bare strawberry",
    "bare strawberry, no parse/validation caches",
    "PostGraphile 4",
    "starlette hello",
)


@dataclass
class Series:
    name: str
    server: Server
    payload: str
    tokens: list[str]
    expect: str
    closed: list[LoadResult] = field(default_factory=list)

    def run(self, **options: object) -> LoadResult:
        return load_server(
            self.server,
            self.tokens[0],
            self.payload,
            tokens=self.tokens,
            expect=self.expect,
            **options,
        )

    @property
    def rps(self) -> float:
        return median([r.rps for r in self.closed])

    @property
    def size(self) -> float:
        return median([r.response_bytes for r in self.closed])

    def distribution(self, results: list[LoadResult]) -> Distribution:
        sizes = [r.response_bytes for r in results]
        return Distribution.of(
            [x for r in results for x in r.latencies_ms], response_bytes=median(sizes)
        )


def kb(size: float) -> str:
    return f"{size / 1000:.1f} kB"


def _postgraphile(
    stack: contextlib.ExitStack, backend: Backend, world: World, notes: list[str]
) -> Series | None:
    if backend.key != "postgres":
        return None
    missing = installed()
    if missing is not None:
        notes.append(f"PostGraphile not measured: {missing}")
        return None
    import asyncio

    from bench.backends import POSTGRES_BENCH

    comments = asyncio.run(name_self_references(POSTGRES_BENCH))
    notes.append(f"PostGraphile: {len(comments)} smart comment(s) on self-referencing keys")
    server = stack.enter_context(postgraphile_server(f"postgraphile-{backend.key}", POSTGRES_BENCH))
    payload = body(POSTGRAPHILE_WINDOW, {"organisation": str(world.main.id), "first": 10})
    reply = graphql(
        server, "", POSTGRAPHILE_WINDOW, {"organisation": str(world.main.id), "first": 10}
    )
    if len(reply["allActivityEntries"]["nodes"]) != 10:
        raise RuntimeError(f"PostGraphile answered {reply}")
    return Series(POSTGRAPHILE, server, payload, [""], '"nodes"')


def _series(
    stack: contextlib.ExitStack, app: Server, backend: Backend, world: World, notes: list[str]
) -> list[Series]:
    token = world.main.token
    first_page = graphql(app, token, WINDOW, {"first": 10})["onlineActivity"]
    payload = body(WINDOW, {"first": 10})
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    page = folder / "page.json"
    page.write_text(json.dumps(first_page), encoding="utf-8")
    cold = stack.enter_context(
        app_server(
            f"app-cold-{backend.key}", backend.database_url, backend.broadcast_url, CACHES_OFF
        )
    )
    bare = stack.enter_context(baseline_server(f"baseline-{backend.key}", page))
    uncached = stack.enter_context(
        baseline_server(f"baseline-uncached-{backend.key}", page, caches=False)
    )
    hello = stack.enter_context(hello_server(f"hello-{backend.key}"))
    for server in (bare, uncached):
        if graphql(server, token, WINDOW, {"first": 10})["onlineActivity"] != first_page:
            raise RuntimeError(f"{server.name} does not answer what the app answers")
    everyone = [world.main.token, *(t.token for t in world.others)]
    series = [
        Series(APP, app, payload, [token], '"nodes"'),
        Series(COLD, cold, payload, everyone, '"nodes"'),
        Series(BARE, bare, payload, [token], '"nodes"'),
        Series(UNCACHED, uncached, payload, [token], '"nodes"'),
    ]
    anchor = _postgraphile(stack, backend, world, notes)
    if anchor is not None:
        series.append(anchor)
    series.append(Series(HELLO, hello, body("{ hello }"), [""], '"hello"'))
    return series


def window_figures(app: Server, world: World, plan: Plan, backend: Backend) -> list[Figure]:
    """Figures 1 and 2 (see the module's docstring)."""
    notes: list[str] = []
    opened: dict[str, tuple[list[LoadResult], list[LoadResult]]] = {}
    with contextlib.ExitStack() as stack:
        series = _series(stack, app, backend, world, notes)
        for _ in range(plan.rounds):
            for one in series:
                one.closed.append(
                    one.run(mode="closed", concurrency=plan.concurrency, duration=plan.seconds)
                )
        by = {s.name: s for s in series}
        for held in (by[COLD], by[APP]):
            ours, theirs = opened[held.name] = ([], [])
            for _ in range(plan.rounds):
                for one, into in ((held, ours), (by[BARE], theirs)):
                    into.append(
                        one.run(
                            mode="open",
                            rate=held.rps / 2,
                            duration=plan.seconds * 1.5,
                            concurrency=8,
                        )
                    )
    figures = throughput_figures(by, plan, backend.label, notes)
    for name, key in ((COLD, "window-p99"), (APP, "")):
        figures.append(latency_figure(by[name], by[BARE], *opened[name], backend.label, key))
    return figures


def _runs(series: Series) -> str:
    return ", ".join(f"{r.rps:,.0f}" for r in series.closed)


def throughput_figures(
    by: dict[str, Series], plan: Plan, label: str, notes: list[str]
) -> list[Figure]:
    bare, cold, app = by[BARE], by[COLD], by[APP]
    closed = {name: s.distribution(s.closed) for name, s in by.items()}
    every = "; ".join(f"{s.name} {_runs(s)} req/s ({kb(s.size)})" for s in by.values())
    common = f"median of {plan.rounds} interleaved runs, {plan.concurrency} connections"

    def versus(one: Series, other: Series, name: str, target: float, key: str) -> Figure:
        ratio = one.rps / other.rps if other.rps else None
        return Figure(
            name=name,
            measured=f"{one.rps:,.0f} req/s ({kb(one.size)} responses; {common})",
            baseline=f"{other.rps:,.0f} req/s {other.name} ({kb(other.size)} responses)",
            ratio=ratio,
            target=f">= {target:.1f}x",
            met=None if ratio is None else ratio >= target,
            backend=label,
            notes=f"runs: {every}. {' '.join(notes)}".strip(),
            distributions=closed if one is cold and other is bare else {},
            target_key=key,
        )

    figures = [
        versus(
            cold,
            bare,
            "1. window first page, req/s, caches off, vs bare strawberry",
            0.6,
            "window-rps",
        ),
    ]
    if POSTGRAPHILE in by:
        figures.append(
            versus(
                cold,
                by[POSTGRAPHILE],
                "1. window first page, req/s, caches off, vs PostGraphile",
                1.0,
                "window-rps-postgraphile",
            )
        )
    figures.append(versus(app, bare, "1. window first page, req/s, server caches on", 0.6, ""))
    for name in (UNCACHED, HELLO):
        one = by[name]
        figures.append(
            Figure(
                name=f"1. anchor: {name}",
                measured=f"{one.rps:,.0f} req/s ({kb(one.size)} responses)",
                baseline=f"app, caches off: {cold.rps:,.0f} req/s",
                ratio=cold.rps / one.rps if one.rps else None,
                target="",
                met=None,
                backend=label,
                anchor=True,
            )
        )
    return figures


def latency_figure(
    held: Series,
    bare: Series,
    ours: list[LoadResult],
    theirs: list[LoadResult],
    label: str,
    key: str,
) -> Figure:
    """Figure 2: p99 at half of ``held``'s maximum, against bare strawberry's at that rate."""
    p99s = [Distribution.of(r.latencies_ms).p99 for r in ours]
    p99 = median(p99s)
    bare_p99 = median([Distribution.of(r.latencies_ms).p99 for r in theirs])
    ratio = p99 / bare_p99 if bare_p99 else None
    rate = held.rps / 2
    late = sum(r.late_starts for r in ours)
    return Figure(
        name=f"2. window first page, p99 at half the max rate (open loop), {held.name}",
        measured=f"p99 {p99:.1f} ms at {rate:,.0f} req/s (runs' p99: "
        f"{', '.join(f'{p:.1f}' for p in p99s)} ms)",
        baseline=f"p99 {bare_p99:.1f} ms {bare.name} at the same rate",
        ratio=ratio,
        target="<= 2.0x",
        met=None if ratio is None else ratio <= 2.0,
        backend=label,
        notes="latency from each request's intended send time (coordinated omission "
        f"counted); {late} requests left late by the generator",
        distributions={
            f"{held.name} (open loop)": held.distribution(ours),
            f"{bare.name} (open loop, same rate)": bare.distribution(theirs),
        },
        target_key=key,
    )
