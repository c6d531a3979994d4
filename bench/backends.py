"""The two backends the figures run on, each prepared from scratch.

- ``sqlite``: the embedded default, a SQLite file (``var/bench/bench.db``)
  and the in-process broadcast (``memory://``).
- ``postgres``: PostgreSQL database ``bench`` (or ``$BENCH_NAME``) on
  127.0.0.1:5432 (dropped and recreated each run; never ``test``) and Redis on 127.0.0.1:6379
  (or ``$BENCH_REDIS_URL``: a Redis of its own beside other runs on the machine).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from bench.servers import BENCH_NAME, LOG_DIR
from service.settings import REPO_ROOT

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH = f"postgresql://postgres@127.0.0.1:5432/{BENCH_NAME}"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Backend:
    key: str  # sqlite | postgres
    label: str  # as in Figure.backend
    database_url: str  # as the service takes it (DATABASE_URL)
    async_url: str  # for models.db.Database in this process
    broadcast_url: str

    @property
    def redis_url(self) -> str | None:
        return None if self.broadcast_url == "memory://" else self.broadcast_url


def sqlite_backend() -> Backend:
    path = LOG_DIR / "bench.db"
    return Backend(
        "sqlite",
        "sqlite+memory",
        f"sqlite:///{path}",
        f"sqlite+aiosqlite:///{path}",
        "memory://",
    )


def postgres_backend() -> Backend:
    return Backend(
        "postgres",
        "postgresql+redis",
        POSTGRES_BENCH,
        POSTGRES_BENCH.replace("postgresql://", "postgresql+asyncpg://"),
        REDIS,
    )


async def _recreate_postgres() -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            BENCH_NAME,
        )
        await connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_NAME}"')
        await connection.execute(f'CREATE DATABASE "{BENCH_NAME}"')
    finally:
        await connection.close()


def prepare(backend: Backend) -> None:
    """An empty database at the latest migration."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    if backend.key == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = LOG_DIR / f"bench.db{suffix}"
            if path.exists():
                path.unlink()
    else:
        asyncio.run(_recreate_postgres())
    done = subprocess.run(
        [sys.executable, "-m", "service", "migrate"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": backend.database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations failed on {backend.label}: {done.stderr[-2000:]}")


def versions() -> dict[str, str]:
    """PostgreSQL and Redis server versions, for the report."""
    found: dict[str, str] = {}

    async def postgres() -> str:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()

    try:
        found["PostgreSQL"] = asyncio.run(postgres())
    except Exception as error:
        found["PostgreSQL"] = f"unavailable ({error.__class__.__name__})"
    try:
        import redis

        info: Any = redis.Redis.from_url(REDIS).info("server")
        found["Redis"] = str(info.get("redis_version"))
    except Exception as error:
        found["Redis"] = f"unavailable ({error.__class__.__name__})"
    import sqlite3

    found["SQLite"] = sqlite3.sqlite_version
    return found
