"""Taking entries out of the window: one set-based update per action, one
journal call (so the badge counters move once per action), one audit insert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, Update, bindparam, func, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.journal import ChangeKind, EntryKey, Journal, WindowChange
from domain.viewer import Viewer
from domain.vocabulary import Resolution
from models import ActivityEntry


class LostUpdate(RuntimeError):
    """An entry locked by this transaction changed under it: never expected,
    and the whole unit of work is rolled back rather than half applied."""


def _stamp(dialect: str, rows: Sequence[ActivityEntry], first: int) -> Update:
    """``UPDATE ... FROM`` the list of (id, version) pairs, each row's
    ``updated_seq`` computed from its position in the list: the journal
    numbered the changes ``first``, ``first + 1``... in that same order.

    One statement and one bound list for any number of rows (no per-row
    ``CASE`` branch, no chunks): ``unnest(...) WITH ORDINALITY`` on
    PostgreSQL, ``json_each`` (whose ``key`` is the array index) on SQLite.
    """
    entry = ActivityEntry
    statement = update(entry)
    if dialect == "postgresql":
        pairs = (
            func.unnest(
                bindparam("ids", [r.id for r in rows], type_=ARRAY(BigInteger)),
                bindparam("versions", [r.version for r in rows], type_=ARRAY(Integer)),
            )
            .table_valued("id", "version", with_ordinality="position")
            .render_derived(with_types=False)
            .alias("pairs")
        )
        return statement.where(
            entry.id == pairs.c.id, entry.version == pairs.c.version
        ).values(updated_seq=first - 1 + pairs.c.position)
    listed = func.json_each(
        bindparam("pairs", json.dumps([[r.id, r.version] for r in rows]))
    ).table_valued("key", "value").alias("pairs")
    return statement.where(
        entry.id == func.json_extract(listed.c.value, "$[0]"),
        entry.version == func.json_extract(listed.c.value, "$[1]"),
    ).values(updated_seq=first + listed.c.key)


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
    (``WHERE id = ... AND version = ... AND resolution IS NULL``), bumping
    its version; the journal records one REMOVED change per row, and the
    audit log the entry as it was.
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
    first = changes[0].sequence
    staff_id = viewer.staff_id if viewer else None
    dialect = session.get_bind().dialect.name
    returned = await session.execute(
        _stamp(dialect, rows, first)
        .where(ActivityEntry.resolution.is_(None))
        .values(
            resolution=resolution.value,
            version=ActivityEntry.version + 1,
            processed_at=now,
            processed_by_id=staff_id,
        )
        .returning(ActivityEntry.id)
        .execution_options(synchronize_session=False)
    )
    if len(returned.all()) != len(rows):
        raise LostUpdate("an entry changed while it was locked")
    for offset, row in enumerate(rows):
        # What the UPDATE just wrote, as the committed state of the loaded
        # object (what ``set_committed_value`` does, without its per-call
        # overhead: these attributes carry no pending change).
        row.__dict__.update(
            resolution=resolution.value,
            version=row.version + 1,
            processed_at=now,
            processed_by_id=staff_id,
            updated_seq=first + offset,
        )
    await audit.write(session, records)
    return changes
