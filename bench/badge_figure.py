"""Figure 4: the badge as the server reads it, against ``count(*)``.

The server's path (``activityBadge``, the live badge) is
``Services.badges``: the maintained counters in one statement
(``domain.badges.read_badge``), kept per organisation until its next change.
Both are timed in-process on one session, interleaved, so what is measured
is the badge, not HTTP. The uncached statement and ``activityBadge`` over
HTTP are reported beside it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from bench.figures import Distribution, Figure
from bench.http_figures import Plan, badge_http
from bench.seed import World
from bench.servers import Server
from domain.badges import BadgeReading, read_badge
from domain.viewer import viewer_for_token
from domain.window import window_cutoff
from models import ActivityEntry
from models.db import Database
from subscriptions.badge_watch import BadgeWatch
from subscriptions.broadcast import Broadcaster


class _Timings:
    def __init__(self) -> None:
        self.server: list[float] = []
        self.statement: list[float] = []
        self.raw: list[float] = []
        self.waiting = self.counted = 0
        self.hits = self.misses = 0


async def _badge_timings(
    database: Database, broadcast_url: str, world: World, samples: int
) -> _Timings:
    timings = _Timings()
    broadcaster = Broadcaster(broadcast_url)
    await broadcaster.connect()
    watch = BadgeWatch(broadcaster, 5.0)
    try:
        async with database.read() as session:
            viewer = await viewer_for_token(session, world.main.token)
            assert viewer is not None

            async def read() -> BadgeReading:
                return await read_badge(session, viewer, now)

            now = datetime.now(UTC)
            await watch.cache.badge(viewer, now, read)  # starts listening to the organisation
            for _ in range(50):
                await asyncio.sleep(0.01)  # until the listener has subscribed
                if watch.cache.watched(viewer.organisation_id):
                    break
            for _ in range(samples):
                now = datetime.now(UTC)
                started = time.perf_counter()
                timings.waiting = (await watch.cache.badge(viewer, now, read)).waiting
                timings.server.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await read_badge(session, viewer, now)
                timings.statement.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                counted = await session.scalar(
                    select(func.count())
                    .select_from(ActivityEntry)
                    .where(
                        ActivityEntry.organisation_id == world.main.id,
                        ActivityEntry.resolution.is_(None),
                        ActivityEntry.occurred_at >= window_cutoff(now),
                    )
                )
                timings.raw.append((time.perf_counter() - started) * 1000)
                timings.counted = int(counted or 0)
        timings.hits, timings.misses = watch.cache.hits, watch.cache.misses
        return timings
    finally:
        await watch.stop()
        await broadcaster.disconnect()


def badge_figure(
    app: Server, world: World, plan: Plan, label: str, async_url: str, broadcast_url: str
) -> Figure:
    """Figure 4: the server's badge read vs ``count(*)`` over the open entries."""
    samples = 40 * plan.rounds

    async def measure() -> _Timings:
        database = Database(async_url, pool_size=2)
        try:
            return await _badge_timings(database, broadcast_url, world, samples)
        finally:
            await database.dispose()

    timings = asyncio.run(measure())
    if timings.waiting != timings.counted:
        raise RuntimeError(f"badge says {timings.waiting}, count(*) says {timings.counted}")
    ours = Distribution.of(timings.server)
    statement = Distribution.of(timings.statement)
    raw = Distribution.of(timings.raw)
    speedup = raw.p50 / ours.p50 if ours.p50 else None
    over_http = badge_http(app, world, plan)
    return Figure(
        name="4. badge count (Services.badges: counters, kept until the next change; in-process)",
        measured=f"p50 {ours.p50:.3f} ms, p99 {ours.p99:.3f} ms",
        baseline=f"count(*) over the {timings.counted:,} open entries: p50 {raw.p50:.2f} ms",
        ratio=speedup,
        target="<= 1 ms and >= 50x faster",
        met=None if speedup is None else (ours.p50 <= 1.0 and speedup >= 50),
        backend=label,
        notes=f"ratio = count(*) / badge (p50s), interleaved, {samples} each; "
        f"{timings.hits} answered from the kept value, {timings.misses} read "
        f"(the first, to start listening). Uncached, the counters' statement "
        f"(read_badge): p50 {statement.p50:.3f} ms, p99 {statement.p99:.3f} ms "
        f"({raw.p50 / statement.p50 if statement.p50 else 0:.1f}x count(*)). "
        f"activityBadge over HTTP: p50 {over_http.p50:.2f} ms, p99 {over_http.p99:.2f} ms",
        distributions={
            "badge (Services.badges)": ours,
            "badge statement, uncached (read_badge)": statement,
            "count(*)": raw,
            "activityBadge over HTTP": over_http,
        },
    )
