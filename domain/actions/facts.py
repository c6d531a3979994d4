"""An entry as the set-based actions read it: the few columns their rules
and writes need, as a plain tuple.

A mass action covers up to 5,000 entries; loading each as an ORM object
(identity map, instrumented attributes, the garbage the collector then
walks) cost more than all of the action's SQL.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, type_coerce
from sqlalchemy.types import NullType

from models import ActivityEntry

# Read as the driver returns them (text on SQLite, a datetime on
# PostgreSQL), skipping the per-row conversion to aware datetimes: the
# actions only order by ``occurred_at`` and test ``reviewed_at`` for None.
_RAW = frozenset({"occurred_at", "reviewed_at"})


class EntryFacts(NamedTuple):
    id: int
    organisation_id: int
    type: str
    status: str
    location_id: int | None
    version: int
    resolution: str | None
    reviewed_at: object
    # Ordered like the timestamps within one database; for sorting only.
    occurred_at: Any
    enrollment_id: int | None
    appointment_id: int | None
    absence_id: int | None

    @property
    def entry_id(self) -> int:
        return self.id

    def age(self) -> tuple[Any, int]:
        """Oldest first: the window's order."""
        return self.occurred_at, self.id

    @classmethod
    def columns(cls) -> list[ColumnElement[Any]]:
        """The ``activity_entries`` columns to select, in field order."""
        return [
            type_coerce(getattr(ActivityEntry, name), NullType()).label(name)
            if name in _RAW
            else getattr(ActivityEntry, name)
            for name in cls._fields
        ]
