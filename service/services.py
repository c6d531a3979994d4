"""The long-lived parts of a running server, built once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from domain.badges import BadgeCache
from domain.journal import WindowChange
from domain.retention import run_periodic_purge
from models.base import utcnow
from models.db import Database
from service.mailer import Mailer, mailer_for
from service.memory import give_back_memory
from service.metrics import Metrics, broadcast_state, pool_use
from service.settings import Settings
from service.telemetry import Telemetry
from subscriptions.badge_watch import BadgeWatch
from subscriptions.broadcast import Broadcaster
from subscriptions.publisher import BroadcastPublisher
from subscriptions.waits import cancel_and_wait


class ChangePublisher(Protocol):
    """Tells live clients about committed window changes (after commit only)."""

    async def publish(self, changes: Sequence[WindowChange]) -> None: ...


class NoLivePublisher:
    async def publish(self, changes: Sequence[WindowChange]) -> None:
        return None


@dataclass
class Services:
    settings: Settings
    database: Database
    publisher: ChangePublisher = field(default_factory=NoLivePublisher)
    # None: built from the settings (SMTP, or the local outbox).
    mailer: Mailer | None = None
    # The fan-out layer (memory:// or Redis); None only in tests that need no push.
    broadcaster: Broadcaster | None = None
    # Badges kept per organisation until its next change; without a watch
    # (tests that build Services by hand) nothing is kept.
    badge_watch: BadgeWatch | None = None
    badges: BadgeCache = field(default_factory=lambda: BadgeCache(0))
    # The server's clock (an aware UTC instant): what a request calls "now".
    # Tests set it to stand at a chosen instant, such as 23:30 at the school.
    clock: Callable[[], datetime] = utcnow
    # Every operation's log line and metrics (service/telemetry.py, /metrics).
    telemetry: Telemetry = field(default_factory=lambda: Telemetry(Metrics()))
    _background: list[asyncio.Task[Any]] = field(default_factory=list, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        broadcaster = Broadcaster(settings.broadcast_url, namespace=settings.channel_namespace)
        badge_watch = BadgeWatch(broadcaster, settings.badge_cache_seconds)
        database = Database(
            settings.database_url,
            pool_size=settings.db_pool_size,
            statement_timeout=settings.db_statement_timeout_seconds or None,
            write_wait=settings.db_write_wait_seconds or None,
        )
        metrics = Metrics(pools=pool_use(database), broadcast=broadcast_state(broadcaster))
        return cls(
            settings=settings,
            database=database,
            publisher=BroadcastPublisher(broadcaster),
            broadcaster=broadcaster,
            mailer=mailer_for(settings),
            badge_watch=badge_watch,
            badges=badge_watch.cache,
            telemetry=Telemetry(metrics),
        )

    async def start(self) -> None:
        """Connect the broadcast (fails fast if Redis is unreachable at
        startup) and start the periodic purge when it is configured."""
        if self.broadcaster is not None:
            await self.broadcaster.connect()
        interval = self.settings.purge_interval_seconds
        if interval > 0:
            self._background.append(
                asyncio.create_task(run_periodic_purge(self, interval), name="purge")
            )
        if self.settings.memory_check_seconds > 0:
            self._background.append(
                asyncio.create_task(
                    give_back_memory(self.settings.memory_check_seconds), name="memory"
                )
            )

    async def stop(self) -> None:
        await cancel_and_wait(*self._background)
        self._background.clear()
        if self.badge_watch is not None:
            await self.badge_watch.stop()
        if self.broadcaster is not None:
            await self.broadcaster.disconnect()
        await self.database.dispose()

    def mailer_in_use(self) -> Mailer:
        """The mailer given, else the one the settings name (SMTP, or the local outbox)."""
        return self.mailer or mailer_for(self.settings)

    def require_broadcaster(self) -> Broadcaster:
        if self.broadcaster is None:
            raise RuntimeError("this server runs without live updates (no broadcaster)")
        return self.broadcaster

    async def publish(self, changes: Sequence[WindowChange]) -> None:
        """Call after the unit of work that made ``changes`` has committed."""
        for organisation_id in {c.organisation_id for c in changes}:
            self.badges.forget(organisation_id)  # this process reads its own writes
        if changes:
            await self.publisher.publish(changes)

    async def publish_settings(self, organisation_id: int) -> None:
        """Call after a change to the organisation's settings has committed."""
        if isinstance(self.publisher, BroadcastPublisher):
            await self.publisher.publish_settings(organisation_id)

    async def publish_lock(self, staff_id: int) -> None:
        """Call after a change to ``staff_id``'s edit lock has committed."""
        if isinstance(self.publisher, BroadcastPublisher):
            await self.publisher.publish_lock(staff_id)
