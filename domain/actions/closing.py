"""Taking entries out of the window: one set-based update per action, one
journal call (so the badge counters move once per action), one audit insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import audit
from domain.journal import ChangeKind, EntryKey, Journal, WindowChange
from domain.viewer import Viewer
from domain.vocabulary import Resolution
from models import ActivityEntry

# Rows per UPDATE: keeps bound parameters far below both drivers' limits.
CHUNK = 1000


class LostUpdate(RuntimeError):
    """An entry locked by this transaction changed under it: never expected,
    and the whole unit of work is rolled back rather than half applied."""


async def close_entries(
    session: AsyncSession,
    rows: Sequence[ActivityEntry],
    resolution: Resolution,
    *,
    viewer: Viewer | None,
    now: datetime,
    reason: str | None = None,
    audit_extra: dict[int, dict[str, Any]] | None = None,
    journal: Journal | None = None,
) -> list[WindowChange]:
    """Resolve ``rows`` (open entries of one organisation, locked by the caller).

    Each row is updated only if it is still open at the version read
    (``WHERE (id, version) IN (...) AND resolution IS NULL``), bumping its
    version; the journal records one REMOVED change per row, and the audit
    log the entry as it was.
    """
    if not rows:
        return []
    organisation_id = rows[0].organisation_id
    action = audit.AuditAction(resolution.value)
    extra = audit_extra or {}
    records = [
        audit.entry_record(
            row, action, viewer=viewer, at=now, reason=reason, extra=extra.get(row.id)
        )
        for row in rows
    ]
    journal = journal or Journal(session)
    changes = await journal.record(
        organisation_id,
        [EntryKey(r.id, r.type, r.status, r.location_id) for r in rows],
        change=ChangeKind.REMOVED,
        reason=resolution.value,
    )
    sequence_of = {c.entry_id: c.sequence for c in changes}
    staff_id = viewer.staff_id if viewer else None
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        returned = await session.execute(
            update(ActivityEntry)
            .where(
                tuple_(ActivityEntry.id, ActivityEntry.version).in_(
                    [(r.id, r.version) for r in chunk]
                ),
                ActivityEntry.resolution.is_(None),
            )
            .values(
                resolution=resolution.value,
                version=ActivityEntry.version + 1,
                processed_at=now,
                processed_by_id=staff_id,
                updated_seq=case({r.id: sequence_of[r.id] for r in chunk}, value=ActivityEntry.id),
            )
            .returning(ActivityEntry.id)
            .execution_options(synchronize_session=False)
        )
        if len(returned.all()) != len(chunk):
            raise LostUpdate("an entry changed while it was locked")
        for row in chunk:
            set_committed_value(row, "resolution", resolution.value)
            set_committed_value(row, "version", row.version + 1)
            set_committed_value(row, "processed_at", now)
            set_committed_value(row, "processed_by_id", staff_id)
            set_committed_value(row, "updated_seq", sequence_of[row.id])
    await audit.write(session, records)
    return changes
