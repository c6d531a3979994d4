"""The journal of window changes inside one unit of work.

Every change to the window (an entry added, changed or removed) gets the
organisation's next sequence number, a row in ``activity_changes`` (the
durable record live clients replay from) and an adjustment of the badge
counters, all in the caller's transaction. The collected changes are
published by the caller only after it commits.

The numbers are provisional while the unit of work runs and final just
before it commits (``domain.sequencing``): the organisation's row lock that
makes one organisation's changes commit in sequence order (so a replay by
sequence number never skips one that commits late) is taken last, and so are
the badge counters' rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import BigInteger, String, Table, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.listed import Listed
from domain.sequencing import reservation
from models import ActivityChange, ActivityEntry, Organisation
from models.base import UTCDateTime, utcnow
from models.statuses import ChangeKind as ChangeKind


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

    def __post_init__(self) -> None:
        self._sealed_lists: set[int] = set()

    async def allocate(self, organisation_id: int, count: int, *, stored: bool = True) -> int:
        """Reserve ``count`` consecutive sequence numbers; returns the first.

        Provisional until the unit of work commits (``domain.sequencing``):
        stamp them on rows and compare them, never show or publish them
        before commit. ``stored=False``: they reach rows only through
        writes deferred to the seal (``Reservation.defer``).
        """
        taken = await reservation(self.session)
        self._hand_out(taken.handed_out, self.changes)
        return taken.take(organisation_id, count, stored=stored)

    def _hand_out(self, handed_out: list[list[Any]], changes: list[WindowChange]) -> None:
        if id(changes) not in self._sealed_lists:
            self._sealed_lists.add(id(changes))
            handed_out.append(changes)

    async def record(
        self,
        organisation_id: int,
        entries: Sequence[Journaled],
        *,
        change: ChangeKind,
        reason: str,
        first_sequence: int | None = None,
        listed: Listed | None = None,
        deferred: bool = False,
    ) -> list[WindowChange]:
        """Record one change per entry, set-based, and adjust the counters.

        Pass ``first_sequence`` when the numbers were reserved beforehand
        (ingestion stamps them on the new rows). Pass ``listed`` (the same
        entries, in the same order, as a bound list) to have the database
        copy the change rows from the stored entries in one ``INSERT ...
        SELECT`` instead of binding every row; ``deferred`` (with ``listed``)
        runs that insert at the seal with the final numbers, so the rows
        are written once (``domain.sequencing``): the caller must store
        these numbers only through deferred writes too, and must not change
        the entries' type, status or location before commit.
        """
        if not entries:
            return []
        if deferred and (listed is None or first_sequence is not None):
            raise ValueError("a deferred record needs the listed entries and its own numbers")
        first = (
            first_sequence
            if first_sequence is not None
            else await self.allocate(organisation_id, len(entries), stored=not deferred)
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
        if deferred:
            assert listed is not None

            async def insert(shift: int) -> None:
                await self._insert_listed(
                    organisation_id, listed, shift + first, change, reason, at
                )

            (await reservation(self.session)).defer(organisation_id, insert)
        elif listed is not None:
            await self._insert_listed(organisation_id, listed, first, change, reason, at)
        else:
            await self._insert(recorded)
        if change is not ChangeKind.CHANGED:
            delta = 1 if change is ChangeKind.ADDED else -1
            await self.adjust_counters(organisation_id, entries, delta)
        self.changes.extend(recorded)
        self._hand_out((await reservation(self.session)).handed_out, recorded)
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
        """Counted now, written just before commit: one upsert per (location,
        type, status) group, never one per entry (``domain.sequencing``)."""
        taken = await reservation(self.session)
        groups = Counter((e.location_id or 0, e.type, e.status) for e in entries)
        for key, n in groups.items():
            taken.adjust(organisation_id, key, delta * n)


async def current_sequence(session: AsyncSession, organisation_id: int) -> int:
    """The organisation's last handed-out sequence number.

    Read it before reading the window: a subscriber that then passes it as
    ``afterSequence`` misses nothing that committed after the read.
    """
    value = await session.scalar(
        select(Organisation.activity_seq).where(Organisation.id == organisation_id)
    )
    return int(value or 0)
