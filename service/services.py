"""The long-lived parts of a running server, built once per process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from domain.journal import WindowChange
from models.db import Database
from service.settings import Settings


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

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            database=Database(settings.database_url, pool_size=settings.db_pool_size),
        )

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        await self.database.dispose()

    async def publish(self, changes: Sequence[WindowChange]) -> None:
        """Call after the unit of work that made ``changes`` has committed."""
        if changes:
            await self.publisher.publish(changes)
