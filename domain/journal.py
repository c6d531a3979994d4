"""The journal of window changes inside one unit of work.

Every change to the window (an entry added, changed or removed) gets the
organisation's next sequence number, a row in ``activity_changes`` (the
durable record live clients replay from) and an adjustment of the badge
counters, all in the caller's transaction. The collected changes are
published by the caller only after it commits.

Sequence numbers come from ``UPDATE organisations ... RETURNING``: the row
lock it takes is held to commit, so one organisation's changes commit in
sequence order and a replay by sequence number never skips one that commits
late.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple, Protocol, cast

from sqlalchemy import BigInteger, String, Table, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.listed import Listed
from models import ActivityChange, ActivityCounter, ActivityEntry, Organisation
from models.base import UTCDateTime, utcnow


class ChangeKind(StrEnum):
    ADDED = "ADDED"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"


class Journaled(Protocol):
    """What the journal needs to know of an entry to record a change to it."""

    @property
    def entry_id(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def location_id(self) -> int | None: ...


class EntryKey(NamedTuple):
    """An entry as the journal needs it (a tuple: a mass action makes thousands)."""

    entry_id: int
    type: str
    status: str
    location_id: int | None


# An activity_changes row, in the order set-based inserts select them.
CHANGE_ROW_COLUMNS = (
    "organisation_id",
    "sequence",
    "entry_id",
    "change",
    "reason",
    "type",
    "status",
    "location_id",
    "at",
)


class WindowChange(NamedTuple):
    """One committed change, as published to live subscribers (a tuple:
    a mass action makes thousands)."""

    organisation_id: int
    sequence: int
    entry_id: int
    change: ChangeKind
    reason: str
    type: str
    status: str
    location_id: int | None
    at: datetime


@dataclass
class Journal:
    session: AsyncSession
    changes: list[WindowChange] = field(default_factory=list)

    async def allocate(self, organisation_id: int, count: int) -> int:
        """Reserve ``count`` sequence numbers; returns the first of them."""
        last = await self.session.scalar(
            update(Organisation)
            .where(Organisation.id == organisation_id)
            .values(activity_seq=Organisation.activity_seq + count)
            .returning(Organisation.activity_seq)
        )
        if last is None:
            raise LookupError(f"organisation {organisation_id} does not exist")
        return int(last) - count + 1

    async def record(
        self,
        organisation_id: int,
        entries: Sequence[Journaled],
        *,
        change: ChangeKind,
        reason: str,
        first_sequence: int | None = None,
        listed: Listed | None = None,
    ) -> list[WindowChange]:
        """Record one change per entry, set-based, and adjust the counters.

        Pass ``first_sequence`` when the numbers were reserved beforehand
        (ingestion stamps them on the new rows). Pass ``listed`` (the same
        entries, in the same order, as a bound list) to have the database
        copy the change rows from the stored entries in one ``INSERT ...
        SELECT`` instead of binding every row.
        """
        if not entries:
            return []
        first = (
            first_sequence
            if first_sequence is not None
            else await self.allocate(organisation_id, len(entries))
        )
        at = utcnow()
        # ``_make`` (in field order) skips the keyword handling of ``__new__``.
        make = WindowChange._make
        recorded = [
            make(
                (
                    organisation_id,
                    first + offset,
                    entry.entry_id,
                    change,
                    reason,
                    entry.type,
                    entry.status,
                    entry.location_id,
                    at,
                )
            )
            for offset, entry in enumerate(entries)
        ]
        if listed is not None:
            await self._insert_listed(organisation_id, listed, first, change, reason, at)
        else:
            await self._insert(recorded)
        if change is not ChangeKind.CHANGED:
            delta = 1 if change is ChangeKind.ADDED else -1
            await self.adjust_counters(organisation_id, entries, delta)
        self.changes.extend(recorded)
        return recorded

    async def _insert(self, recorded: Sequence[WindowChange]) -> None:
        # Core executemany: the ORM's bulk insert costs ~20 us per row more.
        await self.session.execute(
            insert(cast(Table, ActivityChange.__table__)),
            [
                {
                    "organisation_id": c.organisation_id,
                    "sequence": c.sequence,
                    "entry_id": c.entry_id,
                    "change": c.change.value,
                    "reason": c.reason,
                    "type": c.type,
                    "status": c.status,
                    "location_id": c.location_id,
                    "at": c.at,
                }
                for c in recorded
            ],
        )

    async def _insert_listed(
        self,
        organisation_id: int,
        listed: Listed,
        first: int,
        change: ChangeKind,
        reason: str,
        at: datetime,
    ) -> None:
        entry = cast(Table, ActivityEntry.__table__)
        rows = (
            select(
                literal(organisation_id, BigInteger),
                literal(first, BigInteger) + listed.position,
                entry.c.id,
                literal(change.value, String),
                literal(reason, String),
                entry.c.type,
                entry.c.status,
                entry.c.location_id,
                literal(at, UTCDateTime),
            )
            .select_from(listed.table)
            .join(entry, entry.c.id == listed.id)
        )
        await self.session.execute(
            insert(cast(Table, ActivityChange.__table__)).from_select(
                list(CHANGE_ROW_COLUMNS), rows
            )
        )

    async def adjust_counters(
        self, organisation_id: int, entries: Iterable[Journaled], delta: int
    ) -> None:
        """One upsert per (location, type, status) group, never one per entry."""
        groups = Counter((e.location_id or 0, e.type, e.status) for e in entries)
        if not groups:
            return
        rows = [
            {
                "organisation_id": organisation_id,
                "location_key": location_key,
                "type": type_,
                "status": status,
                "open_count": delta * n,
            }
            for (location_key, type_, status), n in sorted(groups.items())
        ]
        dialect = self.session.get_bind().dialect.name
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ActivityCounter)
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["organisation_id", "location_key", "type", "status"],
                set_={"open_count": ActivityCounter.open_count + upsert.excluded.open_count},
            ),
            rows,
        )


async def current_sequence(session: AsyncSession, organisation_id: int) -> int:
    """The organisation's last handed-out sequence number.

    Read it before reading the window: a subscriber that then passes it as
    ``afterSequence`` misses nothing that committed after the read.
    """
    value = await session.scalar(
        select(Organisation.activity_seq).where(Organisation.id == organisation_id)
    )
    return int(value or 0)
