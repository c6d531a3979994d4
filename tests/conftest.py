"""The test harness: the same suite on the embedded default and on PostgreSQL.

``TEST_DATABASE_URL`` picks the database (default: a SQLite file per test);
``TEST_BROADCAST_URL`` the broadcast (default ``memory://``). When a URL
names a service that is not reachable the tests fail with what is missing:
a missing service is never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from models import Base
from service.app import create_app
from service.services import Services
from service.settings import REPO_ROOT, Settings, _normalise_database_url
from tests.support import Api, World

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BROADCAST_URL = os.environ.get("TEST_BROADCAST_URL", "memory://")


def _migrate(url: str) -> None:
    """Run the real migrations, as ``make run`` does."""
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"migrations failed on {url}:\n{result.stderr[-3000:]}", pytrace=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run; each test then starts from a clean copy."""
    if DATABASE_URL:
        url = _normalise_database_url(DATABASE_URL)
        _migrate(url)
        return url
    template = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite+aiosqlite:///{template}")
    return str(template)


def _emptying_statement() -> str:
    """One statement that empties every table and restarts every sequence.

    What ``TRUNCATE ... RESTART IDENTITY`` does, without its cost: TRUNCATE
    gives each of the tables a new file, about a second for all of them on a
    loaded machine, and the suite empties them before every test. DELETE on
    the few rows a test leaves (children first) and ``setval`` back to each
    sequence's start take a fraction of that.
    """
    deletes = " ".join(f"DELETE FROM {t.name};" for t in reversed(Base.metadata.sorted_tables))
    return (
        "DO $$ BEGIN "
        f"{deletes} "
        "PERFORM setval(seqrelid, seqstart, false) FROM pg_sequence "
        "JOIN pg_class ON pg_class.oid = seqrelid "
        "WHERE relnamespace = current_schema()::regnamespace; "
        "END $$"
    )


async def _empty_all(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(_emptying_statement()))
    except OSError as error:
        pytest.fail(f"PostgreSQL at {url} is not reachable: {error}", pytrace=False)
    finally:
        await engine.dispose()


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> str:
    if DATABASE_URL:
        await _empty_all(migrated_template)
        return migrated_template
    path = tmp_path / "online_activity.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        broadcast_url=BROADCAST_URL,
        dev_mode=True,
        outbox_dir=tmp_path / "outbox",
        purge_interval_seconds=0,
    )


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    services = Services.from_settings(settings)
    await services.start()
    try:
        yield services
    finally:
        await services.stop()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def world(services: Services) -> World:
    """Two organisations with locations, staff of every kind, and portal keys."""
    return await World.create(services.database)


@pytest.fixture(scope="session", autouse=True)
def _services_reachable() -> Iterator[None]:
    if DATABASE_URL and shutil.which("pg_isready"):
        ready = subprocess.run(
            ["pg_isready", "-d", _normalise_database_url(DATABASE_URL).replace("+asyncpg", "")],
            capture_output=True,
            check=False,
        )
        if ready.returncode != 0:
            pytest.fail(
                f"PostgreSQL is not running for TEST_DATABASE_URL={DATABASE_URL}; start it with "
                "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'",
                pytrace=False,
            )
    if BROADCAST_URL.startswith(("redis://", "rediss://")):
        redis_at = urlsplit(BROADCAST_URL)
        try:
            socket.create_connection(
                (redis_at.hostname or "127.0.0.1", redis_at.port or 6379), timeout=3
            ).close()
        except OSError as error:
            pytest.fail(
                f"Redis is not reachable for TEST_BROADCAST_URL={BROADCAST_URL} ({error}); start "
                "it with 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 "
                '--save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log\'',
                pytrace=False,
            )
    yield


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: measures SQLite itself (deselected on PostgreSQL, not skipped)"
    )
    config.addinivalue_line(
        "markers",
        "needs_postgres: needs a database server to take away or to lock"
        " (deselected on SQLite, not skipped)",
    )
    config.addinivalue_line(
        "markers",
        "backend_free: uses neither TEST_DATABASE_URL nor TEST_BROADCAST_URL, so it runs"
        " in the SQLite run of `make test` only (deselected on PostgreSQL, not skipped)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres = DATABASE_URL.startswith("postgresql")
    others = ("sqlite_only", "backend_free") if postgres else ("needs_postgres",)
    deselected = [item for item in items if any(item.get_closest_marker(o) for o in others)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
