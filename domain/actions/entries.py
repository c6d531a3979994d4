"""Loading the entries a set-based action reports, when they are to be shown."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.facts import EntryFacts
from domain.actions.outcome import ActionReport
from domain.listed import dialect_of, in_list
from models import ActivityEntry


async def load_entries(session: AsyncSession, ids: Sequence[int]) -> dict[int, ActivityEntry]:
    """The entries with these ids, as stored now (already locked by the caller)."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(ActivityEntry)
        .where(in_list(dialect_of(session), ActivityEntry.id, ids))
        .execution_options(populate_existing=True)
    )
    return {row.id: row for row in rows}


async def with_entries_loaded(session: AsyncSession, report: ActionReport) -> None:
    """Replace each result's facts by the entry as it is now, after the
    action's writes: what the results show of an entry ("the entry as it is
    now")."""
    ids = [r.entry.id for r in report.results if isinstance(r.entry, EntryFacts)]
    loaded = await load_entries(session, ids)
    report.results = [
        r._replace(entry=loaded.get(r.entry.id)) if isinstance(r.entry, EntryFacts) else r
        for r in report.results
    ]
