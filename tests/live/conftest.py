"""Live tests against real uvicorn processes and the ``websockets`` client.

Two backends, chosen like ``tests/conftest.py``:

- embedded default (no ``TEST_DATABASE_URL``): one server process on a SQLite
  file with the in-process ``memory://`` broadcast. A SQLite file with an
  in-process broadcast serves exactly one process by design, so the tests
  marked ``needs_redis`` (Redis restarts) are deselected in this mode; the
  "two processes" tests then run with both roles on the one process.
- ``TEST_DATABASE_URL=postgresql://...``: two server processes on PostgreSQL,
  fanned out through a redis-server of our own (so a test may kill and
  restart it without disturbing anyone else's Redis). The servers get a
  database of their own, created beside ``TEST_DATABASE_URL``'s, migrated
  and dropped afterwards, so other runs' truncations cannot reach them.
  Nothing is skipped: a missing redis-server binary or database fails the run.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from models.db import Database
from service.provisioning import FULL_RIGHTS, create_organisation, create_staff
from service.settings import _normalise_database_url
from tests.conftest import DATABASE_URL, _migrate
from tests.live.servers import ALLOWED_ORIGIN, RedisServer, Server
from tests.support import World

DISTRIBUTED = bool(DATABASE_URL)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_redis: restarts Redis under two servers (PostgreSQL + Redis mode only)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if DISTRIBUTED:
        return
    deselected = [item for item in items if item.get_closest_marker("needs_redis")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    except OSError as error:
        pytest.fail(f"PostgreSQL at {url} is not reachable: {error}", pytrace=False)
    finally:
        await engine.dispose()


async def _create_world(url: str) -> World:
    database = Database(url)
    try:
        return await World.create(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="package")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not DISTRIBUTED:
        path = tmp_path_factory.mktemp("live") / "live.db"
        url = f"sqlite+aiosqlite:///{path}"
        _migrate(url)
        yield url
        return
    base = make_url(_normalise_database_url(DATABASE_URL))
    name = f"{base.database}_live_{uuid.uuid4().hex[:8]}"
    admin = base.render_as_string(hide_password=False)
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="package")
def live_world(live_database: str) -> World:
    return asyncio.run(_create_world(live_database))


@pytest.fixture(scope="package")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer | None]:
    if not DISTRIBUTED:
        yield None
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture(scope="package")
def servers(
    live_database: str,
    live_world: World,
    redis_server: RedisServer | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Server]]:
    """Two processes on PostgreSQL + Redis; one on the embedded default."""
    logs = tmp_path_factory.mktemp("server-logs")
    with serving(server_env(live_database, redis_server, logs), logs) as started:
        yield started


@contextmanager
def serving(env: dict[str, str], logs: Path) -> Iterator[list[Server]]:
    """The live tests' server processes with ``env``, ready, stopped after."""
    started = [Server(name, env, logs) for name in (("a", "b") if DISTRIBUTED else ("a",))]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


def server_env(live_database: str, redis_server: RedisServer | None, logs: Path) -> dict[str, str]:
    """The environment of the live tests' server processes."""
    return {
        "DATABASE_URL": live_database,
        "BROADCAST_URL": redis_server.url if redis_server else "memory://",
        "DEV_MODE": "0",
        "PURGE_INTERVAL_SECONDS": "0",
        "WS_INIT_TIMEOUT_SECONDS": "1",
        "ALLOWED_ORIGINS": ALLOWED_ORIGIN,
        "OUTBOX_DIR": str(logs / "outbox"),
        # Far longer than any test: a badge kept past a change shows as a failure.
        "BADGE_CACHE_SECONDS": "600",
    }


@pytest.fixture
def server_a(servers: list[Server]) -> Server:
    return servers[0]


@pytest.fixture
def server_b(servers: list[Server]) -> Server:
    """The other process (the same one on the embedded default)."""
    return servers[-1]


@pytest.fixture
def world(live_world: World) -> World:
    return live_world


@pytest.fixture
def new_staff(live_database: str, live_world: World) -> Callable[[], Awaitable[str]]:
    """Make a fresh full-rights staff member of riverside (own edit lock)."""

    async def make() -> str:
        database = Database(live_database)
        unique = uuid.uuid4().hex[:10]
        try:
            async with database.write() as session:
                _, token = await create_staff(
                    session,
                    organisation_id=live_world.riverside.id,
                    name=f"Locker {unique}",
                    email=f"locker.{unique}@riverside.test",
                    permissions=FULL_RIGHTS,
                    location_ids=None,
                )
            return token
        finally:
            await database.dispose()

    return make


async def fresh_tenant(database_url: str, slug: str) -> tuple[str, str]:
    """An organisation of its own, for a test's own server processes:
    (portal key, a full-rights staff token)."""
    database = Database(database_url)
    unique = uuid.uuid4().hex[:10]
    try:
        async with database.write() as session:
            org = await create_organisation(
                session, slug=f"{slug}-{unique}", name=slug.title(), locations=[("main", "Main")]
            )
            _, token = await create_staff(
                session,
                organisation_id=org.id,
                name="Desk",
                email=f"desk.{unique}@{slug}.test",
                permissions=FULL_RIGHTS,
            )
        return org.portal_key, token
    finally:
        await database.dispose()
