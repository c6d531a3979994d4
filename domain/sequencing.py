"""Sequence numbers taken last: provisional during the unit of work, final at commit.

Live clients replay ``activity_changes`` by sequence number (``afterSequence``),
so one organisation's changes must commit in sequence order: the number comes
from ``UPDATE organisations ... RETURNING``, whose row lock is held to commit.
Taken at the start of the work, that lock serialised every write of the
organisation for the whole of it, and under load (issue 10: "each write holds
the organisation's sequence row lock until commit ... 20-35 writers waiting on
that lock") writes convoyed behind it.

So a unit of work numbers its changes *provisionally* while it works: negative
numbers no committed row ever has, unique to its database connection (a range
of ``PROVISIONAL_SPAN`` per PostgreSQL backend, which no concurrent transaction
shares; SQLite runs one writer at a time). The entries' ``sequence`` and
``updated_seq``, the change rows and the journal's ``WindowChange`` lists carry
them. Just before commit (``models.db.Database.write`` runs ``seal``), the
organisation's row is locked, the range renumbered to the final numbers and
its badge counters adjusted, in one statement on PostgreSQL: the lock that
orders commits is held for that statement and the commit (two round trips),
not for the whole unit of work. Commit order is still sequence order, the numbers stay
consecutive within the unit of work, and nothing is published before commit.

A mass action would write each of its rows twice that way: its entries and
change rows with provisional numbers, then again to renumber them (on
PostgreSQL the renumbering of 5,000 entries and changes was the action's
costliest statement, ~300 ms; issue 12: "mass approve / dismiss of 5,000
entries <= 3x one raw UPDATE of the same rows"). So a writer that nothing
in the unit of work reads back may *defer* its writes (``Reservation.defer``):
it takes its numbers without storing them (``take(..., stored=False)``), and
its statements run in ``seal``, after the organisation's row is locked, with
the final numbers, once. The lock is then held for those statements instead
of the renumbering of the same rows, not for the whole unit of work (issue
10: "hold the sequence lock for as short a time as possible").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from models import ActivityCounter, ActivityEntry
from models.db import BEFORE_COMMIT

PROVISIONAL_SPAN: Final = 1 << 24
"""Numbers one unit of work may take for one organisation (16.7 million)."""

_RESERVATION: Final = "online_activity.sequence_reservation"
_OWNER: Final = "online_activity.sequence_owner"

CounterKey = tuple[int, str, str]  # (location key, type, status)
# A deferred write: given the organisation's shift (final = shift + provisional).
DeferredWrite = Callable[[int], Awaitable[None]]

_ORG_POSTGRESQL: Final = """
    WITH org AS (
        UPDATE organisations SET activity_seq = activity_seq + :n WHERE id = :o
        RETURNING activity_seq - :n - :base AS shift
    )"""
_RENUMBERED_POSTGRESQL: Final = """, entries AS (
        UPDATE activity_entries AS e SET
            sequence = CASE WHEN e.sequence < 0 THEN org.shift + e.sequence ELSE e.sequence END,
            updated_seq = CASE WHEN e.updated_seq < 0
                THEN org.shift + e.updated_seq ELSE e.updated_seq END
        FROM org
        WHERE e.organisation_id = :o AND e.id IN (
            SELECT entry_id FROM activity_changes WHERE organisation_id = :o AND sequence < 0
        )
    ), changes AS (
        UPDATE activity_changes AS c SET sequence = org.shift + c.sequence
        FROM org WHERE c.organisation_id = :o AND c.sequence < 0
    )"""
# The organisation's counters in the same statement as its row: they are
# read from ``org`` (so its row is locked first) and, as every counter of an
# organisation is written only under that lock, no other order is possible.
_COUNTED_POSTGRESQL: Final = """, counters AS (
        INSERT INTO activity_counters AS a (organisation_id, location_key, type, status, open_count)
        SELECT :o, d.location_key, d.type, d.status, d.n
        FROM org CROSS JOIN unnest(
            CAST(:locations AS BIGINT[]), CAST(:types AS VARCHAR[]),
            CAST(:statuses AS VARCHAR[]), CAST(:counts AS BIGINT[])
        ) AS d(location_key, type, status, n)
        ORDER BY d.location_key, d.type, d.status
        ON CONFLICT (organisation_id, location_key, type, status)
        DO UPDATE SET open_count = a.open_count + excluded.open_count
    )"""
_SHIFT_POSTGRESQL: Final = "\n    SELECT shift FROM org"
# (renumber the rows holding provisional numbers?, adjust counters?) -> statement
_SEAL_POSTGRESQL: Final = {
    (renumber, count): text(
        _ORG_POSTGRESQL
        + (_RENUMBERED_POSTGRESQL if renumber else "")
        + (_COUNTED_POSTGRESQL if count else "")
        + _SHIFT_POSTGRESQL
    )
    for renumber in (False, True)
    for count in (False, True)
}

_TAKE: Final = text(
    "UPDATE organisations SET activity_seq = activity_seq + :n WHERE id = :o "
    "RETURNING activity_seq - :n - :base"
)
_ENTRIES_SQLITE: Final = text(
    """
    UPDATE activity_entries SET
        sequence = CASE WHEN sequence < 0 THEN :shift + sequence ELSE sequence END,
        updated_seq = CASE WHEN updated_seq < 0 THEN :shift + updated_seq ELSE updated_seq END
    WHERE organisation_id = :o AND id IN (
        SELECT entry_id FROM activity_changes WHERE organisation_id = :o AND sequence < 0
    )
    """
)
_CHANGES_SQLITE: Final = text(
    "UPDATE activity_changes SET sequence = :shift + sequence "
    "WHERE organisation_id = :o AND sequence < 0"
)


class UnsealedWork(RuntimeError):
    """A unit of work with provisional numbers committed without ``seal``."""


@dataclass
class Reservation:
    """One unit of work's provisional numbers and counter adjustments."""

    session: AsyncSession
    # Provisional numbers of this unit of work are base + 1, base + 2, ...
    base: int
    taken: dict[int, int] = field(default_factory=dict)
    deltas: dict[int, Counter[CounterKey]] = field(default_factory=dict)
    # Lists of changes handed out (``Journal.record``, ``Journal.changes``):
    # renumbered in place at seal, so what is published is final.
    handed_out: list[list[Any]] = field(default_factory=list)
    # Organisations some of whose provisional numbers are stored in rows.
    stored: set[int] = field(default_factory=set)
    deferred: dict[int, list[DeferredWrite]] = field(default_factory=dict)
    sealed: bool = False

    def take(self, organisation_id: int, count: int, *, stored: bool = True) -> int:
        """The first of ``count`` consecutive provisional numbers.

        ``stored=False``: the caller never writes them to a row, only
        through ``defer`` (so ``seal`` need not renumber rows for them)."""
        if self.sealed:
            raise UnsealedWork("the unit of work was sealed: no more sequence numbers")
        used = self.taken.get(organisation_id, 0)
        if used + count >= PROVISIONAL_SPAN:
            raise ValueError(f"one unit of work cannot record {used + count} changes")
        self.taken[organisation_id] = used + count
        if stored:
            self.stored.add(organisation_id)
        return self.base + used + 1

    def defer(self, organisation_id: int, write: DeferredWrite) -> None:
        """Run ``write(shift)`` in ``seal``, once the organisation's row is
        locked: ``shift + p`` is the final number of provisional ``p``.
        Only for writes nothing in the unit of work reads back before commit."""
        if self.sealed:
            raise UnsealedWork("the unit of work was sealed: nothing more can be deferred")
        self.deferred.setdefault(organisation_id, []).append(write)

    def check_sealed(self, _session: Any) -> None:
        """A commit that skipped ``seal`` would store provisional numbers."""
        if self.taken and not self.sealed:
            raise UnsealedWork("commit through Database.write(): sequence numbers were not sealed")

    def adjust(self, organisation_id: int, key: CounterKey, delta: int) -> None:
        self.deltas.setdefault(organisation_id, Counter())[key] += delta

    async def seal(self) -> None:
        """Take the final numbers (organisations in id order, lock order step
        4), renumber the rows that hold provisional ones and, on
        PostgreSQL, adjust the organisation's counters in that same
        statement; run the deferred writes; then adjust what counters are
        left (SQLite's, in key order)."""
        if self.sealed:
            return
        self.sealed = True
        session = self.session
        await session.flush()
        shifts: dict[int, int] = {}
        postgres = session.get_bind().dialect.name == "postgresql"
        for organisation_id, count in sorted(self.taken.items()):
            if count == 0:
                continue
            params: dict[str, Any] = {"n": count, "o": organisation_id, "base": self.base}
            stored = organisation_id in self.stored
            if postgres:
                counted = self._counter_arrays(organisation_id)
                params.update(counted or {})
                shift = await session.scalar(_SEAL_POSTGRESQL[stored, counted is not None], params)
            else:
                shift = await session.scalar(_TAKE, params)
                if shift is not None and stored:
                    await session.execute(_ENTRIES_SQLITE, {"o": organisation_id, "shift": shift})
                    await session.execute(_CHANGES_SQLITE, {"o": organisation_id, "shift": shift})
            if shift is None:
                raise LookupError(f"organisation {organisation_id} does not exist")
            shifts[organisation_id] = int(shift)
            for write in self.deferred.pop(organisation_id, ()):
                await write(int(shift))
        await self._adjust_counters(postgres)
        self._renumber_loaded(shifts)

    def _counter_arrays(self, organisation_id: int) -> dict[str, list[Any]] | None:
        """The organisation's counter adjustments as the arrays
        ``_COUNTED_POSTGRESQL`` takes (then no longer pending), or None."""
        deltas = self.deltas.pop(organisation_id, None)
        moved = sorted((key, n) for key, n in (deltas or {}).items() if n)
        if not moved:
            return None
        return {
            "locations": [location_key for (location_key, _, _), _ in moved],
            "types": [type_ for (_, type_, _), _ in moved],
            "statuses": [str(status) for (_, _, status), _ in moved],
            "counts": [n for _, n in moved],
        }

    async def _adjust_counters(self, postgres: bool) -> None:
        """One upsert per (location, type, status) group, never one per entry
        (on PostgreSQL only what no organisation's statement took along)."""
        rows = [
            {
                "organisation_id": organisation_id,
                "location_key": location_key,
                "type": type_,
                "status": status,
                "open_count": n,
            }
            for organisation_id, deltas in sorted(self.deltas.items())
            for (location_key, type_, status), n in sorted(deltas.items())
            if n
        ]
        if not rows:
            return
        upsert = (postgresql.insert if postgres else sqlite.insert)(ActivityCounter)
        await self.session.execute(
            upsert.on_conflict_do_update(
                index_elements=["organisation_id", "location_key", "type", "status"],
                set_={"open_count": ActivityCounter.open_count + upsert.excluded.open_count},
            ),
            rows,
        )

    def _renumber_loaded(self, shifts: dict[int, int]) -> None:
        """What this process holds of the work gets the final numbers too."""
        # ``tuple.__new__`` on the change's own type, fields unpacked by
        # position (``domain.journal.WindowChange``, organisation and sequence
        # first): ``_replace`` costs ~5 us per change, and a mass action
        # hands out thousands.
        new = tuple.__new__
        for changes in self.handed_out:
            if not changes:
                continue
            kind = type(changes[0])
            for index, (o, s, e, c, r, t, st, loc, at) in enumerate(changes):
                if s < 0:
                    changes[index] = new(kind, (o, shifts[o] + s, e, c, r, t, st, loc, at))
        for obj in list(self.session.identity_map.values()):
            if not isinstance(obj, ActivityEntry):
                continue
            shift = shifts.get(obj.__dict__.get("organisation_id", 0))
            if shift is None:
                continue
            for name in ("sequence", "updated_seq"):
                value = obj.__dict__.get(name)
                if isinstance(value, int) and value < 0:
                    set_committed_value(obj, name, shift + value)


async def reservation(session: AsyncSession) -> Reservation:
    """The unit of work's reservation, created on first use; ``seal`` runs
    before its commit (``models.db.BEFORE_COMMIT``)."""
    found = session.info.get(_RESERVATION)
    if isinstance(found, Reservation):
        return found
    owner = await _owner(session)
    made = Reservation(session, base=-(owner + 1) * PROVISIONAL_SPAN)
    session.info[_RESERVATION] = made
    session.info.setdefault(BEFORE_COMMIT, []).append(made.seal)
    event.listen(session.sync_session, "before_commit", made.check_sealed)
    return made


async def _owner(session: AsyncSession) -> int:
    """A number no concurrent unit of work shares: the PostgreSQL backend's
    pid (cached per pooled connection); 0 on SQLite (one writer at a time)."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return 0
    info = connection.info
    owner = info.get(_OWNER)
    if not isinstance(owner, int):
        owner = int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)
        info[_OWNER] = owner
    return owner
