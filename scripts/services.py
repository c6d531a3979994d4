"""Check that PostgreSQL and Redis answer before ``make test`` uses them.

Usage: ``python scripts/services.py POSTGRES_URL REDIS_URL``. When a local
service is down and we run as root, start it with the commands of
STACK_NOTES ("Services on this kind of machine"); otherwise say exactly what
is missing and exit 1. A missing ``test`` database on a running local
server is created.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import cast
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import redis.asyncio as redis

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _is_local(url: str, default_port: int) -> bool:
    """The start commands serve these hosts on the default ports only."""
    parts = urlsplit(url)
    return parts.hostname in LOCAL_HOSTS and (parts.port or default_port) == default_port


def _plain_postgres(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


async def _postgres_problem(url: str) -> str | None:
    try:
        connection = await asyncpg.connect(_plain_postgres(url), timeout=5)
    except asyncpg.InvalidCatalogNameError:
        return "missing-database"
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


async def _create_database(url: str) -> None:
    parts = urlsplit(_plain_postgres(url))
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    connection = await asyncpg.connect(admin, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _redis_problem(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        await cast(Awaitable[bool], client.ping())
    except (OSError, redis.RedisError) as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await client.aclose()
    return None


def _start(command: str) -> None:
    print(f"  starting: {command}", flush=True)
    subprocess.run(command, shell=True, check=False)


async def _wait(
    check: Callable[[str], Awaitable[str | None]], url: str, seconds: float = 20
) -> str | None:
    deadline = time.monotonic() + seconds
    problem: str | None = "not checked"
    while time.monotonic() < deadline:
        problem = await check(url)
        if problem is None or problem == "missing-database":
            return problem
        await asyncio.sleep(0.5)
    return problem


async def main(postgres_url: str, redis_url: str) -> int:
    may_start = hasattr(os, "geteuid") and os.geteuid() == 0
    failures: list[str] = []
    for name, url, check, start, port in (
        ("PostgreSQL", postgres_url, _postgres_problem, START_POSTGRES, 5432),
        ("Redis", redis_url, _redis_problem, START_REDIS, 6379),
    ):
        problem = await check(url)
        local = _is_local(url, port)
        if problem not in (None, "missing-database") and may_start and local:
            print(f"{name} is not answering at {url} ({problem})", flush=True)
            _start(start)
            problem = await _wait(check, url)
        if problem == "missing-database":
            print(f"creating the database of {url}", flush=True)
            await _create_database(url)
            problem = await check(url)
        if problem is None:
            print(f"{name} is up: {url}", flush=True)
        else:
            hint = f" Start it (as root) with: {start}" if local else ""
            failures.append(f"{name} is not reachable at {url} ({problem}).{hint}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python scripts/services.py POSTGRES_URL REDIS_URL")
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
