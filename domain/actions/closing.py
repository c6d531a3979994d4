"""Taking entries out of the window: one set-based update per action, one
journal call (so the badge counters move once per action), one audit insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, Update, literal, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import audit
from domain.journal import ChangeKind, Journal, Journaled, WindowChange
from domain.listed import Listed, dialect_of, listed_versions
from domain.sequencing import reservation
from domain.viewer import Viewer
from domain.vocabulary import Resolution
from models import ActivityEntry


class LostUpdate(RuntimeError):
    """An entry locked by this transaction changed under it: never expected,
    and the whole unit of work is rolled back rather than half applied."""


class Closable(Journaled, Protocol):
    """What closing needs of an open entry (its facts, or the loaded entry)."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> int: ...
    @property
    def version(self) -> int: ...


def _stamp(listed: Listed, first: int) -> Update:
    """``UPDATE ... FROM`` the listed (id, version) pairs, each row's
    ``updated_seq`` computed from its position in the list: the journal
    numbered the changes ``first``, ``first + 1``... in that same order.

    One statement and one bound list for any number of rows (no per-row
    ``CASE`` branch, no chunks).
    """
    entry = ActivityEntry
    return (
        update(entry)
        .where(entry.id == listed.id, entry.version == listed.version)
        .values(updated_seq=literal(first, BigInteger) + listed.position)
    )


async def close_listed(
    session: AsyncSession,
    rows: Sequence[Closable],
    resolution: Resolution,
    *,
    viewer: Viewer | None,
    now: datetime,
    reason: str | None = None,
    journal: Journal | None = None,
    audit_records: Sequence[dict[str, Any]] | None = None,
    deferred: bool = False,
) -> list[WindowChange]:
    """Resolve ``rows`` (open entries of one organisation, locked by the
    caller), set-based: no Python object per entry but the journal's.

    The audit log gets the entries as they were (snapshots built by the
    database, unless ``audit_records`` are given), the journal one REMOVED
    change per row (copied from the stored rows), and each row is updated
    only if it is still open at the version read (``WHERE id, version
    match AND resolution IS NULL``), bumping its version.

    ``deferred``: the change rows and the entries' update run at the seal,
    with the final sequence numbers, so each row is written once instead of
    written then renumbered (``domain.sequencing``; issue 12: mass actions
    "<= 3x one raw UPDATE of the same rows"). Only when nothing in the unit
    of work reads these entries afterwards (a mass action whose results do
    not show them); a lost update then fails the commit, as it fails the
    action otherwise.
    """
    if not rows:
        return []
    listed = listed_versions(dialect_of(session), [(r.id, r.version) for r in rows])
    if audit_records is None:
        await audit.write_listed(
            session,
            listed,
            audit.AuditAction(resolution.value),
            viewer=viewer,
            at=now,
            reason=reason,
        )
    else:
        await audit.write(session, audit_records)
    journal = journal or Journal(session)
    organisation_id = rows[0].organisation_id
    changes = await journal.record(
        organisation_id,
        rows,
        change=ChangeKind.REMOVED,
        reason=resolution.value,
        listed=listed,
        deferred=deferred,
    )
    first, count = changes[0].sequence, len(rows)

    async def stamp(shift: int) -> None:
        done = await session.execute(
            _stamp(listed, shift + first)
            .where(ActivityEntry.resolution.is_(None))
            .values(
                resolution=resolution.value,
                version=ActivityEntry.version + 1,
                processed_at=now,
                processed_by_id=viewer.staff_id if viewer else None,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != count:  # type: ignore[attr-defined]
            raise LostUpdate("an entry changed while it was locked")

    if deferred:
        (await reservation(session)).defer(organisation_id, stamp)
    else:
        await stamp(0)
    return changes


class _Loaded:
    """A loaded entry as ``Closable`` (the journal's ``entry_id``)."""

    __slots__ = ("entry_id", "id", "location_id", "organisation_id", "status", "type", "version")

    def __init__(self, row: ActivityEntry) -> None:
        self.id = self.entry_id = row.id
        self.organisation_id = row.organisation_id
        self.version = row.version
        self.type = row.type
        self.status = row.status
        self.location_id = row.location_id


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
    """``close_listed`` for loaded entries; the loaded objects then hold
    what the update wrote. ``audit_extra`` adds keys to an entry's snapshot
    (the snapshot is then built from the loaded object, which may hold
    values the database no longer has, such as a deleted enrollment's id)."""
    if not rows:
        return []
    records = None
    if audit_extra:
        action = audit.AuditAction(resolution.value)
        records = [
            audit.entry_record(
                row, action, viewer=viewer, at=now, reason=reason, extra=audit_extra.get(row.id)
            )
            for row in rows
        ]
    changes = await close_listed(
        session,
        [_Loaded(row) for row in rows],
        resolution,
        viewer=viewer,
        now=now,
        reason=reason,
        journal=journal,
        audit_records=records,
    )
    staff_id = viewer.staff_id if viewer else None
    for change, row in zip(changes, rows, strict=True):
        # What the UPDATE just wrote, as the committed state of the loaded
        # object (what ``set_committed_value`` does, without its per-call
        # overhead: these attributes carry no pending change).
        row.__dict__.update(
            resolution=resolution.value,
            version=row.version + 1,
            processed_at=now,
            processed_by_id=staff_id,
            updated_seq=change.sequence,
        )
    return changes
