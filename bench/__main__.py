"""``python -m bench [--quick] [--backend sqlite|postgres|both] [--output BENCHMARKS.md]``

For each backend: a fresh database at the latest migration, the seed, one
app server process, then every figure against its baseline; then the live
figures (``bench.live``, if present). A figure that cannot be measured is
reported as such with the reason; it never stops the others.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time
from pathlib import Path

from bench.backends import Backend, postgres_backend, prepare, sqlite_backend, versions
from bench.badge_figure import badge_figure
from bench.db_figures import action_figures
from bench.figures import Figure
from bench.http_figures import Plan, deep_page_figure, guarded
from bench.ingestion_figure import ingestion_figure
from bench.report import markdown, terminal
from bench.seed import World, seed
from bench.servers import app_server, client_cpu
from bench.window_figure import window_figures
from models.db import Database
from service.settings import REPO_ROOT

FIXES_FILE = Path(__file__).with_name("FIXES.md")


def _seed(backend: Backend, quick: bool) -> World:
    async def run() -> World:
        database = Database(backend.async_url, pool_size=2)
        try:
            return await seed(
                database,
                entries=10_000 if quick else 100_000,
                action_entries=1_000 if quick else 5_000,
            )
        finally:
            await database.dispose()

    return asyncio.run(run())


HTTP_STEPS = ("1-2", "3", "4", "5", "6")
STEPS = (*HTTP_STEPS, "live", "orgs")


def http_backend(backend: Backend, quick: bool, only: set[str] | None = None) -> list[Figure]:
    label = backend.label
    plan = Plan(rounds=2, seconds=1.0) if quick else Plan(rounds=3, seconds=6.0)
    started = time.perf_counter()
    print(f"== {label}: preparing the database", flush=True)
    prepare(backend)
    world = _seed(backend, quick)
    print(f"   seeded in {time.perf_counter() - started:.1f}s", flush=True)
    figures: list[Figure] = []
    with app_server(f"app-{backend.key}", backend.database_url, backend.broadcast_url) as app:
        steps = [
            ("1-2. window first page", lambda: window_figures(app, world, plan, backend)),
            ("3. deep page", lambda: [deep_page_figure(app, world, plan, label)]),
            (
                "4. badge",
                lambda: [
                    badge_figure(app, world, plan, label, backend.async_url, backend.broadcast_url)
                ],
            ),
            ("5. mass actions", lambda: action_figures(app, world, plan, label, backend.async_url)),
            (
                "6. ingestion",
                lambda: [ingestion_figure(app, world, plan, label, backend.async_url)],
            ),
        ]
        for name, step in steps:
            if only is not None and name.split(".")[0] not in only:
                continue
            began = time.perf_counter()
            found = guarded(name, label, step)
            figures += found
            print(f"   {name}: {time.perf_counter() - began:.1f}s", flush=True)
            print(terminal(found), flush=True)
    return figures


def live(backend: Backend, quick: bool) -> list[Figure]:
    """The live fan-out figures of ``bench.live``, or why they are missing."""
    name = "live figures (bench.live)"
    try:
        module = importlib.import_module("bench.live")
    except Exception as error:
        reason = f"bench.live not available: {error.__class__.__name__}: {error}"
        return [Figure(name, "not measured", "", None, "", None, backend.label, reason)]
    try:
        found: list[Figure] = module.live_figures(
            backend.label, quick, backend.database_url, backend.redis_url
        )
        return found
    except Exception as error:
        reason = f"{error.__class__.__name__}: {error}"[:500]
        return [Figure(name, "not measured", "", None, "", None, backend.label, reason)]


def organisations(backend: Backend, quick: bool) -> list[Figure]:
    """The many-organisations workload (``bench.orgs``, PostgreSQL + Redis only)."""
    name = "many organisations"
    if backend.key != "postgres":
        return []
    try:
        from bench.orgs import orgs_figures

        return orgs_figures(backend, quick)
    except Exception as error:
        reason = f"{error.__class__.__name__}: {error}"[:500]
        return [Figure(name, "not measured", "", None, "", None, backend.label, reason)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, shorter runs")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--output", default=str(REPO_ROOT / "BENCHMARKS.md"))
    parser.add_argument("--no-live", action="store_true", help="skip bench.live and orgs")
    parser.add_argument(
        "--only",
        default=None,
        help=f"comma-separated steps to run ({', '.join(STEPS)}), e.g. --only 1-2,orgs",
    )
    args = parser.parse_args(argv)
    cpu = client_cpu()
    if cpu is not None:
        import os

        os.sched_setaffinity(0, {cpu})
    started = time.perf_counter()
    backends = {
        "sqlite": [sqlite_backend()],
        "postgres": [postgres_backend()],
        "both": [sqlite_backend(), postgres_backend()],
    }[args.backend]
    only = set(STEPS) if args.only is None else {s.strip() for s in args.only.split(",")}
    if args.no_live:
        only -= {"live", "orgs"}
    if only - set(STEPS):
        parser.error(f"--only: unknown steps {sorted(only - set(STEPS))}; known: {STEPS}")
    figures: list[Figure] = []
    for backend in backends:
        if only & set(HTTP_STEPS):
            figures += http_backend(backend, args.quick, only)
        else:  # (the live steps seed their own organisations, on a migrated database)
            prepare(backend)
        for step, run in (("live", live), ("orgs", organisations)):
            if step in only:
                began = time.perf_counter()
                found = run(backend, args.quick)
                figures += found
                print(f"   {step}: {time.perf_counter() - began:.1f}s", flush=True)
                print(terminal(found), flush=True)
    elapsed = time.perf_counter() - started
    print("\n" + terminal(figures))
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    fixes = FIXES_FILE.read_text(encoding="utf-8") if FIXES_FILE.exists() else ""
    text = markdown(
        figures, versions=versions(), command=command.strip(), elapsed=elapsed, fixes=fixes
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)  # var/NAME/ under BENCH_NAME
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"\nWrote {args.output} ({elapsed:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
