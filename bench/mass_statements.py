"""Statements and rows written per mass action, in-process:
``python -m bench.mass_statements [--entries N] [--database-url URL]``.

A deterministic figure for issue 12's figure 5, where timing on the shared
machine is noise. It seeds the mass-action organisation as the benchmark
does (``bench.seed``: N notifications and N pending appointment/absence
requests), serves the app in-process through ``httpx.ASGITransport``, and
runs the benchmark's two mutations (``bench.db_figures``: dismiss all
notifications, approve all pending requests) while SQLAlchemy's cursor
events count every statement the write engine executes, the rows each
one reports, and its time (the time is indicative; the counts are the
figure). ``--database-url`` takes a PostgreSQL URL (the database is
dropped and recreated; never ``test``); the default is a temporary SQLite
file.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from bench.calls import migrate
from bench.db_figures import ACQUIRE, APPROVE, DISMISS, SEQUENCE
from bench.seed import restore_actions, seed
from bench.servers import in_process_settings
from models.db import Database
from service.app import create_app
from service.gc_tuning import tune_gc
from service.services import Services
from service.settings import REPO_ROOT


@dataclass
class Statement:
    text: str
    calls: int = 0
    rows: int = 0
    ms: float = 0.0


@dataclass
class Tally:
    statements: dict[str, Statement] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def add(self, sql: str, rows: int, ms: float) -> None:
        key = re.sub(r"\s+", " ", sql).strip()
        found = self.statements.get(key)
        if found is None:
            found = self.statements[key] = Statement(key)
            self.order.append(key)
        found.calls += 1
        found.rows += max(rows, 0)
        found.ms += ms

    @property
    def executed(self) -> int:
        return sum(s.calls for s in self.statements.values())

    @property
    def written(self) -> int:
        return sum(
            s.rows
            for s in self.statements.values()
            if s.text.split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "WITH"}
        )


def _listen(database: Database, tally: list[Tally]) -> None:
    engine = database.write_engine.sync_engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, _sql: str, _params: Any, _ctx: Any, _many: bool) -> None:
        conn.info["mass_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, sql: str, _params: Any, _ctx: Any, _many: bool) -> None:
        if tally:
            ms = (time.perf_counter() - conn.info.pop("mass_started")) * 1000
            tally[-1].add(sql, getattr(cursor, "rowcount", 0) or 0, ms)

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        if tally:
            tally[-1].add("COMMIT", 0, 0.0)


def _sqlite_url(folder: Path) -> str:
    path = folder / "mass.db"
    migrate(path)
    return f"sqlite+aiosqlite:///{path}"


async def _recreate_postgres(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    name = url.rsplit("/", 1)[1]
    if name in {"test", "postgres", "template0", "template1"}:
        raise SystemExit(f"{name}: not a database this may drop")
    admin = await asyncpg.connect(url.rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def _postgres_url(url: str) -> str:
    """``url`` recreated at the latest migration, as the async URL."""
    asyncio.run(_recreate_postgres(url))
    subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    return url.replace("postgresql://", "postgresql+asyncpg://")


async def measure(
    async_url: str, folder: Path, entries: int, rounds: int, top: int, profiled: bool = False
) -> None:
    profile = cProfile.Profile() if profiled else None
    sort = os.environ.get("MASS_PROFILE_SORT", "tottime")
    database = Database(async_url, pool_size=2)
    try:
        world = await seed(database, entries=100, action_entries=entries)
    finally:
        await database.dispose()
    settings = in_process_settings(async_url, folder)
    services = Services.from_settings(settings)
    await services.start()
    tune_gc()  # as the server does after startup (``service.app``)
    tally: list[Tally] = []
    _listen(services.database, tally)
    headers = {"authorization": f"Bearer {world.actions.token}"}
    report: dict[str, Any] = {"entries": entries, "backend": async_url.split(":", 1)[0]}
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def call(query: str, variables: dict[str, Any] | None = None) -> Any:
                reply = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                return reply.json()["data"]

            for name, query, counted in (
                ("dismissActivities", DISMISS, "dismissedCount"),
                ("approveActivities", APPROVE, "approvedCount"),
            ):
                times = []
                for _ in range(rounds):
                    await restore_actions(services.database, world.actions.id)
                    lock = (await call(ACQUIRE))["acquireEditLock"]["lease"]["token"]
                    seen = (await call(SEQUENCE))["onlineActivity"]["sequence"]
                    tally.append(Tally())
                    if profile is not None:
                        profile.enable()
                    started = time.perf_counter()
                    data = (await call(query, {"lock": lock, "seen": seen}))[name]
                    times.append((time.perf_counter() - started) * 1000)
                    if profile is not None:
                        profile.disable()
                    if data["userErrors"] or data[counted] != entries:
                        raise RuntimeError(f"{name}: {data}")
                last = tally[-1]
                sql_ms = sum(s.ms for s in last.statements.values())
                print(
                    f"\n{name} of {entries:,}: {last.executed} statements, "
                    f"{last.written:,} rows written; "
                    f"wall {', '.join(f'{t:.0f}' for t in times)} ms, "
                    f"SQL (last) {sql_ms:.0f} ms"
                )
                ranked = sorted(last.statements.values(), key=lambda s: -s.ms)
                for s in ranked[: top or None]:
                    print(f"  {s.ms:7.1f} ms {s.calls:3}x {s.rows:6} rows  {s.text[:150]}")
                if profile is not None:
                    pstats.Stats(profile).sort_stats(sort).print_stats(40)
                    profile = cProfile.Profile()
                report[name] = {
                    "statements": last.executed,
                    "rows_written": last.written,
                    "wall_ms": times,
                    "sql_ms": round(sql_ms, 1),
                }
    finally:
        await services.stop()
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mass_statements")
    parser.add_argument("--entries", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="cProfile the actions")
    parser.add_argument("--database-url", default=None, help="postgresql://... (recreated)")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = _postgres_url(args.database_url) if args.database_url else _sqlite_url(folder)
        asyncio.run(measure(url, folder, args.entries, args.rounds, args.top, args.profile))


if __name__ == "__main__":
    main()
