"""Two installations on one Redis do not hear each other (issue 10).

Redis pub/sub ignores the database number, and two installations number
their organisations alike (a staging copy of production): without a
namespace, staging's staff would receive production's entries. On the
PostgreSQL + Redis run this uses ``TEST_BROADCAST_URL``'s Redis; on the
embedded run a redis-server of its own (never a silent skip).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.journal import ChangeKind, WindowChange
from service.services import Services
from service.settings import Settings, installation_namespace
from subscriptions.broadcast import Subscription
from subscriptions.channels import window_channel
from tests.conftest import BROADCAST_URL
from tests.live.servers import RedisServer


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if BROADCAST_URL.startswith("redis://"):
        yield BROADCAST_URL
        return
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.kill()


def change(organisation_id: int, sequence: int) -> WindowChange:
    return WindowChange(
        organisation_id=organisation_id,
        sequence=sequence,
        entry_id=sequence,
        change=ChangeKind.ADDED,
        reason="RECORDED",
        type="PAYMENT",
        status="NOTIFICATION",
        location_id=None,
        at=datetime(2030, 1, 1, tzinfo=UTC),
    )


@pytest.fixture
async def installations(redis_url: str, tmp_path: Path) -> AsyncIterator[list[Services]]:
    """Two processes of production (one database) and one of staging, one Redis."""
    production = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'production.db'}",
        broadcast_url=redis_url,
        purge_interval_seconds=0,
    )
    staging = production.replace(database_url=f"sqlite+aiosqlite:///{tmp_path / 'staging.db'}")
    started = [Services.from_settings(s) for s in (production, production, staging)]
    for services in started:
        await services.start()
    try:
        yield started
    finally:
        for services in started:
            await services.stop()


async def heard(subscription: Subscription, seconds: float) -> list[int]:
    sequences: list[int] = []
    try:
        async with asyncio.timeout(seconds):
            async for message in subscription:
                sequences.append(int(message["last_sequence"]))
    except TimeoutError:
        pass
    return sequences


async def test_two_installations_on_one_redis_do_not_hear_each_other(
    installations: list[Services],
) -> None:
    production_a, production_b, staging = installations
    channel = window_channel(1)  # organisation 1 exists in both installations
    assert production_a.broadcaster and production_b.broadcaster and staging.broadcaster
    async with (
        production_b.broadcaster.subscribe(channel) as other_process,
        staging.broadcaster.subscribe(channel) as staging_staff,
    ):
        # when production records entry 7 and staging records entry 9
        await production_a.publish([change(1, 7)])
        await staging.publish([change(1, 9)])
        # then production's other process hears its own installation's change only
        production_heard, staging_heard = await asyncio.gather(
            heard(other_process, 1.0), heard(staging_staff, 1.0)
        )
    assert production_heard == [7]
    assert staging_heard == [9]


def test_the_default_namespace_differs_per_installation_and_redis_database() -> None:
    pg = "postgresql://app:secret@db.internal:5432/production"
    assert installation_namespace(pg, "redis://r:6379/0") == installation_namespace(
        "postgres://other:password@DB.internal:5432/production", "redis://r:6379/0"
    )  # the same database, whoever connects: one installation
    assert installation_namespace(pg, "redis://r:6379/0") != installation_namespace(
        "postgresql://app:secret@db.internal:5432/staging", "redis://r:6379/0"
    )
    assert installation_namespace(pg, "redis://r:6379/1") != installation_namespace(
        pg, "redis://r:6379/2"
    )
    explicit = Settings(database_url=pg, broadcast_namespace="prod-eu")
    assert explicit.channel_namespace == "prod-eu"
    assert Settings(database_url=pg).channel_namespace.startswith("oa.")
