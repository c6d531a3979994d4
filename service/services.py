"""The long-lived parts of a running server, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from models.db import Database
from service.settings import Settings


@dataclass
class Services:
    settings: Settings
    database: Database

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
