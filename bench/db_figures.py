"""Figure 5: the mass actions over 5,000 entries against raw SQL on the same
database (figure 4, the badge, is ``bench.badge_figure``)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import update

from bench.figures import Distribution, Figure
from bench.http_figures import Plan, graphql
from bench.seed import World, restore_actions
from bench.servers import Server
from domain.vocabulary import EXCLUDED_FROM_NOTIFICATION_FILTER
from models import ActivityEntry
from models.db import Database

ACQUIRE = """mutation { acquireEditLock(input: {surface: WINDOW, takeOver: true}) {
  lease { token } userErrors { code message } } }"""
DISMISS = """mutation Dismiss($lock: String, $seen: Int) {
  dismissActivities(input: {all: {status: NOTIFICATION}, watermark: $seen, lockToken: $lock}) {
    dismissedCount userErrors { code message } } }"""
APPROVE = """mutation Approve($lock: String, $seen: Int) {
  approveActivities(input: {all: {status: PENDING}, watermark: $seen, lockToken: $lock}) {
    approvedCount userErrors { code message } } }"""

SEQUENCE = "{ onlineActivity(first: 0) { ... on ActivityConnection { sequence } } }"


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
        # What the staff member saw: the window's sequence, read before acting.
        seen = graphql(app, token, SEQUENCE)["onlineActivity"]["sequence"]
        started = time.perf_counter()
        data = graphql(app, token, query, {"lock": lock, "seen": seen})[field]
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
                    conditions = [
                        e.organisation_id == org,
                        e.status == status,
                        e.resolution.is_(None),
                    ]
                    if status == "NOTIFICATION":
                        conditions.append(e.type.not_in(excluded))
                    done = await session.execute(
                        update(e)
                        .where(*conditions)
                        .values(
                            resolution=resolution,
                            version=e.version + 1,
                            processed_at=datetime.now(UTC),
                        )
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
        (
            "dismissActivities",
            DISMISS,
            "dismissActivities",
            "dismissedCount",
            "DISMISSED",
            "NOTIFICATION",
        ),
        ("approveActivities", APPROVE, "approveActivities", "approvedCount", "APPROVED", "PENDING"),
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
        what = (
            "notifications"
            if status == "NOTIFICATION"
            else "pending appointment and absence requests"
        )
        figures.append(
            Figure(
                name=f"5. {name} of {count:,} {what} (all + filter), over HTTP",
                measured=f"{a:,.0f} ms (median of {plan.rounds})",
                baseline=f"{b:,.0f} ms one raw UPDATE of the same rows",
                ratio=ratio,
                target="<= 3x",
                target_key="mass-action",
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
