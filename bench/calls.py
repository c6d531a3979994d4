"""Python calls per window request, in-process: ``python -m bench.calls``.

A deterministic figure for issue 12's figure 1, where timing on the shared
machine is noise. It seeds a SQLite file the way the benchmark does
(``bench.seed``, fewer entries: the first page reads 10 of them), serves
the app in-process through ``httpx.ASGITransport`` with the benchmark's
settings (``DEV_MODE=0``, the server's caches off: ``servers.CACHES_OFF``),
warms up, then counts with cProfile every Python and builtin call of one
request of the benchmark's document (``bench.documents.WINDOW``), split by
the package each called function lives in. The bare strawberry baseline
(``bench.baselines``) answers the same JSON and is counted the same way.
The transport's and the client's own calls are part of both counts.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import pstats
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.baselines import activity_type_names, build
from bench.documents import WINDOW
from bench.seed import seed
from bench.servers import in_process_settings
from models.db import Database
from service.app import create_app
from service.services import Services
from service.settings import REPO_ROOT

PACKAGES = ("sqlalchemy", "graphql", "strawberry", "starlette", "httpx", "aiosqlite", "pydantic")
OURS = ("domain", "schema", "resolvers", "models", "service", "subscriptions", "bench")
WARM_UP = 20
MEASURED = 5


def package(filename: str) -> str:
    """Who a profiled function belongs to: a library, our code, the
    standard library, or builtins (functions written in C)."""
    if filename == "~":
        return "builtins"
    parts = Path(filename).parts
    if "site-packages" in parts:
        name = parts[parts.index("site-packages") + 1].removesuffix(".py")
        return name if name in PACKAGES else "other libraries"
    try:
        inside = Path(filename).resolve().relative_to(REPO_ROOT).parts
    except ValueError:
        return "stdlib"
    return "ours" if inside and inside[0] in OURS else "stdlib"


def most_called(profile: cProfile.Profile, requests: int, top: int) -> list[str]:
    """The ``top`` functions by calls per request, with their package."""
    stats: Any = getattr(pstats.Stats(profile), "stats")  # noqa: B009 (untyped)
    ranked = sorted(stats.items(), key=lambda item: -item[1][1])[:top]
    return [
        f"  {calls / requests:7.1f}  {package(filename):10} {Path(filename).name}:{line} {name}"
        for (filename, line, name), (_primitive, calls, *_rest) in ranked
    ]


def calls_by_package(profile: cProfile.Profile, requests: int) -> Counter[str]:
    stats: Any = getattr(pstats.Stats(profile), "stats")  # noqa: B009 (untyped)
    found: Counter[str] = Counter()
    for (filename, _line, _name), (_primitive, calls, *_rest) in stats.items():
        found[package(filename)] += calls
    return Counter({name: round(n / requests) for name, n in found.items()})


async def _count(
    client: httpx.AsyncClient, token: str, expect: dict[str, Any], top: int
) -> Counter[str]:
    payload = {"query": WINDOW, "variables": {"first": 10}}
    headers = {"authorization": f"Bearer {token}"} if token else {}

    async def one() -> None:
        reply = await client.post("/graphql", json=payload, headers=headers)
        body = reply.json()
        if body.get("errors") or body["data"] != expect:
            raise RuntimeError(f"unexpected answer: {reply.text[:500]}")

    for _ in range(WARM_UP):
        await one()
    profile = cProfile.Profile()
    for _ in range(MEASURED):
        profile.enable()
        await one()
        profile.disable()
    if top:
        print("\n".join(most_called(profile, MEASURED, top)))
    return calls_by_package(profile, MEASURED)


def _report(name: str, found: Counter[str]) -> None:
    total = sum(found.values())
    split = ", ".join(f"{k} {v:,}" for k, v in found.most_common())
    print(f"{name}: {total:,} calls per request ({split})")


async def measure(folder: Path, entries: int, baseline: bool, top: int = 0) -> None:
    async_url = f"sqlite+aiosqlite:///{folder / 'calls.db'}"
    migrate(folder / "calls.db")
    database = Database(async_url, pool_size=2)
    try:
        world = await seed(database, entries=entries, action_entries=10)
    finally:
        await database.dispose()
    settings = in_process_settings(async_url, folder)
    services = Services.from_settings(settings)
    await services.start()
    try:
        transport = httpx.ASGITransport(app=create_app(services=services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            payload = {"query": WINDOW, "variables": {"first": 10}}
            first = await client.post(
                "/graphql", json=payload, headers={"authorization": f"Bearer {world.main.token}"}
            )
            page = first.json()["data"]
            _report("app", await _count(client, world.main.token, page, top))
    finally:
        await services.stop()
    if not baseline:
        return
    from strawberry.asgi import GraphQL

    bare: GraphQL[Any, Any] = GraphQL(
        build(page["onlineActivity"], activity_type_names()), graphql_ide=None
    )
    transport = httpx.ASGITransport(app=bare)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        _report("bare strawberry", await _count(client, "", page, 0))


def migrate(path: Path) -> None:
    """The latest migration on a fresh file, as ``bench.backends.prepare`` does."""
    done = subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{path}"},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations failed: {done.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.calls")
    parser.add_argument("--entries", type=int, default=1_000)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--top", type=int, default=0, help="also list the app's N most called")
    args = parser.parse_args()
    # The client's own line per request is not the server's work.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(Path(folder), args.entries, not args.no_baseline, args.top))
    print(json.dumps({"warm_up": WARM_UP, "measured": MEASURED, "entries": args.entries}))


if __name__ == "__main__":
    main()
