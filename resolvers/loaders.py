"""Per-request DataLoaders: one query per kind of record per page, never per row.

Each batch opens its own short read session (a loader may run while another
resolver holds a session) and is scoped to the caller's organisation (the
staff viewer's, or the portal's), so a foreign id simply loads as None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from models import Family, Location, Student
from models.db import Database

Row = TypeVar("Row", Location, Family, Student)


class Loaders:
    def __init__(self, database: Database, organisation_id: int) -> None:
        self._database = database
        self._organisation_id = organisation_id
        self.location: DataLoader[int, Location | None] = DataLoader(self._batch(Location))
        self.family: DataLoader[int, Family | None] = DataLoader(self._batch(Family))
        self.student: DataLoader[int, Student | None] = DataLoader(self._batch(Student))

    def _batch(self, model: type[Row]) -> Any:
        async def load(ids: Sequence[int]) -> list[Row | None]:
            async with self._database.read() as session:
                rows = await session.scalars(
                    select(model).where(
                        model.id.in_(ids), model.organisation_id == self._organisation_id
                    )
                )
                by_id = {row.id: row for row in rows}
            return [by_id.get(i) for i in ids]

        return load
