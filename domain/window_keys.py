"""Keyset bounds on the window's sort key ``(occurred_at, id)``: what a
cursor leaves on either side of it.

A bound keeps the rows on one side of a key. It also knows the earliest
``occurred_at`` it admits, so a query can start its walk of the window index
at the key rather than at the 90-day cutoff: SQLite picks one lower bound on
``occurred_at`` for the index range and checks the other row by row, and
given both the cutoff and a cursor it picks the cutoff, reading every entry
between the cutoff and a deep page's cursor. Raising the cutoff term to the
key selects the same rows (``(t, i) > (k, j)`` implies ``t >= k``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final, Literal

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.cursors import Cursor, KeysetCursor
from models import ActivityEntry


def sort_key() -> ColumnElement[tuple[datetime, int]]:
    return tuple_(ActivityEntry.occurred_at, ActivityEntry.id)


@dataclass(frozen=True)
class KeyBound:
    """The rows with a greater (``above``) or smaller sort key than ``key``,
    in key order, not display order; ``key`` itself too if ``inclusive``."""

    key: KeysetCursor
    above: bool
    inclusive: bool

    def condition(self) -> ColumnElement[bool]:
        bound = (self.key.occurred_at, self.key.entry_id)
        if self.above:
            return sort_key() >= bound if self.inclusive else sort_key() > bound
        return sort_key() <= bound if self.inclusive else sort_key() < bound

    def negated(self) -> KeyBound:
        """Every row this bound leaves out."""
        return KeyBound(self.key, above=not self.above, inclusive=not self.inclusive)

    @property
    def earliest(self) -> datetime | None:
        """The earliest ``occurred_at`` of a row inside the bound, if it has one."""
        return self.key.occurred_at if self.above else None


def beyond(key: KeysetCursor, *, ascending: bool, inclusive: bool) -> KeyBound:
    """Rows that come after ``key`` in display order (``key`` too if inclusive)."""
    return KeyBound(key, above=ascending, inclusive=inclusive)


def short_of(key: KeysetCursor, *, ascending: bool) -> KeyBound:
    """Rows that come before ``key`` in display order."""
    return KeyBound(key, above=not ascending, inclusive=False)


def earliest_admitted(cutoff: datetime, bounds: list[KeyBound]) -> datetime:
    """The lowest ``occurred_at`` a row can have inside the 90 days and every
    bound: the cutoff, or a later key the bounds start from."""
    return max([cutoff, *(b.earliest for b in bounds if b.earliest is not None)])


class _Empty(Enum):
    EMPTY = "empty"


# A page cursor past the list's end (``after``) or at its start (``before``).
EMPTY: Final = _Empty.EMPTY


async def _key_at_offset(
    session: AsyncSession, condition: ColumnElement[bool], ascending: bool, offset: int
) -> KeysetCursor | None:
    """The sort key of the row at ``offset``: an index-only walk of keys."""
    columns = (ActivityEntry.occurred_at, ActivityEntry.id)
    row = (
        await session.execute(
            select(*columns)
            .where(condition)
            .order_by(*(c.asc() if ascending else c.desc() for c in columns))
            .offset(offset)
            .limit(1)
        )
    ).first()
    return None if row is None else KeysetCursor(occurred_at=row[0], entry_id=row[1])


async def lower_bound(
    session: AsyncSession, condition: ColumnElement[bool], ascending: bool, cursor: Cursor
) -> KeyBound | Literal[_Empty.EMPTY] | None:
    """``after``: the rows past the cursor, or ``EMPTY`` past the list's end;
    a page cursor (an offset) becomes the key of the row at that offset."""
    if isinstance(cursor, KeysetCursor):
        return beyond(cursor, ascending=ascending, inclusive=False)
    if cursor.offset == 0:
        return None
    key = await _key_at_offset(session, condition, ascending, cursor.offset)
    return EMPTY if key is None else beyond(key, ascending=ascending, inclusive=True)


async def upper_bound(
    session: AsyncSession, condition: ColumnElement[bool], ascending: bool, cursor: Cursor
) -> KeyBound | Literal[_Empty.EMPTY] | None:
    """``before``: the rows short of the cursor, or ``EMPTY`` before the first row."""
    if isinstance(cursor, KeysetCursor):
        return short_of(cursor, ascending=ascending)
    if cursor.offset == 0:
        return EMPTY
    key = await _key_at_offset(session, condition, ascending, cursor.offset)
    return None if key is None else short_of(key, ascending=ascending)
