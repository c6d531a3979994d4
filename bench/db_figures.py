"""Figures that compare the app with raw SQL on the same database: the badge
read (figure 4) and the mass actions over 5,000 entries (figure 5)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from bench.figures import Distribution, Figure
from bench.http_figures import Plan, badge_http, graphql
from bench.seed import World, restore_actions
from bench.servers import Server
from domain.viewer import viewer_for_token
from domain.vocabulary import EXCLUDED_FROM_NOTIFICATION_FILTER
from domain.window import window_cutoff
from domain.window_counts import badge
from models import ActivityEntry
from models.db import Database

ACQUIRE = """mutation { acquireEditLock(input: {surface: WINDOW, takeOver: true}) {
  lease { token } userErrors { code message } } }"""
DISMISS = """mutation Dismiss($lock: String) {
  dismissActivities(input: {all: {status: NOTIFICATION}, lockToken: $lock}) {
    dismissedCount userErrors { code message } } }"""
APPROVE = """mutation Approve($lock: String) {
  approveActivities(input: {all: {status: PENDING}, lockToken: $lock}) {
    approvedCount userErrors { code message } } }"""


async def _badge_timings(database: Database, world: World, samples: int) -> tuple[
    list[float], list[float], int, int
]:
    async with database.read() as session:
        viewer = await viewer_for_token(session, world.main.token)
        assert viewer is not None
        ours: list[float] = []
        raw: list[float] = []
        waiting = counted = 0
        for _ in range(samples):
            now = datetime.now(UTC)
            started = time.perf_counter()
            waiting = (await badge(session, viewer, now)).waiting
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            counted = int(
                await session.scalar(
                    select(func.count()).select_from(ActivityEntry).where(
                        ActivityEntry.organisation_id == world.main.id,
                        ActivityEntry.resolution.is_(None),
                        ActivityEntry.occurred_at >= window_cutoff(now),
                    )
                )
                or 0
            )
            raw.append((time.perf_counter() - started) * 1000)
        return ours, raw, waiting, counted


def badge_figure(app: Server, world: World, plan: Plan, label: str, async_url: str) -> Figure:
    """Figure 4: the maintained badge vs ``count(*)`` over the open entries."""
    samples = 40 * plan.rounds

    async def measure() -> tuple[list[float], list[float], int, int]:
        database = Database(async_url, pool_size=2)
        try:
            return await _badge_timings(database, world, samples)
        finally:
            await database.dispose()

    ours, raw, waiting, counted = asyncio.run(measure())
    if waiting != counted:
        raise RuntimeError(f"badge says {waiting}, count(*) says {counted}")
    a, b = Distribution.of(ours), Distribution.of(raw)
    speedup = b.p50 / a.p50 if a.p50 else None
    over_http = badge_http(app, world, plan)
    return Figure(
        name="4. badge count (domain.window_counts.badge, in-process, same session)",
        measured=f"p50 {a.p50:.3f} ms, p99 {a.p99:.3f} ms",
        baseline=f"count(*) over the {counted:,} open entries: p50 {b.p50:.2f} ms",
        ratio=speedup,
        target="<= 1 ms and >= 50x faster",
        met=None if speedup is None else (a.p50 <= 1.0 and speedup >= 50),
        backend=label,
        notes=f"ratio = count(*) / badge (p50s), interleaved, {samples} each. "
        f"activityBadge over HTTP: p50 {over_http.p50:.2f} ms, p99 {over_http.p99:.2f} ms",
        distributions={"badge (domain)": a, "count(*)": b, "activityBadge over HTTP": over_http},
    )


async def _timed(work: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await work()
    return (time.perf_counter() - started) * 1000


def action_figures(
    app: Server, world: World, plan: Plan, label: str, async_url: str
) -> list[Figure]:
    """Figure 5: dismissActivities / approveActivities over N entries (``all``
    with a status filter) vs one raw UPDATE of the same rows; the
    organisation is restored before every run."""
    org, token, count = world.actions.id, world.actions.token, world.action_entries
    excluded = sorted(t.value for t in EXCLUDED_FROM_NOTIFICATION_FILTER)

    def app_action(query: str, field: str, counted: str) -> float:
        lock = graphql(app, token, ACQUIRE)["acquireEditLock"]["lease"]["token"]
        started = time.perf_counter()
        data = graphql(app, token, query, {"lock": lock})[field]
        elapsed = (time.perf_counter() - started) * 1000
        if data["userErrors"] or data[counted] != count:
            raise RuntimeError(f"{field}: {data}")
        return elapsed

    async def raw_update(resolution: str, status: str) -> float:
        database = Database(async_url, pool_size=2)
        try:
            async def work() -> None:
                async with database.write() as session:
                    e = ActivityEntry
                    conditions = [e.organisation_id == org, e.status == status,
                                  e.resolution.is_(None)]
                    if status == "NOTIFICATION":
                        conditions.append(e.type.not_in(excluded))
                    done = await session.execute(
                        update(e).where(*conditions).values(
                            resolution=resolution, version=e.version + 1,
                            processed_at=datetime.now(UTC))
                    )
                    if done.rowcount != count:  # type: ignore[attr-defined]
                        raise RuntimeError(f"raw UPDATE changed {done.rowcount} rows")  # type: ignore[attr-defined]
            return await _timed(work)
        finally:
            await database.dispose()

    async def restore() -> None:
        database = Database(async_url, pool_size=2)
        try:
            await restore_actions(database, org)
        finally:
            await database.dispose()

    figures = []
    for name, query, field, counted, resolution, status in (
        ("dismissActivities", DISMISS, "dismissActivities", "dismissedCount", "DISMISSED",
         "NOTIFICATION"),
        ("approveActivities", APPROVE, "approveActivities", "approvedCount", "APPROVED",
         "PENDING"),
    ):
        ours: list[float] = []
        raw: list[float] = []
        for _ in range(plan.rounds):
            asyncio.run(restore())
            ours.append(app_action(query, field, counted))
            asyncio.run(restore())
            raw.append(asyncio.run(raw_update(resolution, status)))
        asyncio.run(restore())
        a, b = statistics.median(ours), statistics.median(raw)
        ratio = a / b if b else None
        what = ("notifications" if status == "NOTIFICATION"
                else "pending appointment and absence requests")
        figures.append(
            Figure(
                name=f"5. {name} of {count:,} {what} (all + filter), over HTTP",
                measured=f"{a:,.0f} ms (median of {plan.rounds})",
                baseline=f"{b:,.0f} ms one raw UPDATE of the same rows",
                ratio=ratio,
                target="<= 3x",
                met=None if ratio is None else ratio <= 3.0,
                backend=label,
                notes=f"runs {', '.join(f'{x:,.0f}' for x in ours)} vs "
                f"{', '.join(f'{x:,.0f}' for x in raw)} ms; the app also locks the rows, "
                "writes audit records and change rows, moves the counters and applies "
                "the per-type effects (bookings, absences)",
                distributions={"app": Distribution.of(ours), "raw UPDATE": Distribution.of(raw)},
            )
        )
    return figures
