"""The window filter's three readers agree, on random entries and filters.

Issue 11: "A filter is defined once ... from which the SQL for the window,
the counters' conditions and the live matcher are derived, with a property
test (hypothesis) that the three agree on random entries and filters."

Every combination of organisation, type, status, location and notes is
recorded once through the real journal (which writes the change record and
maintains the badge counters), so each filter has entries on both sides of
each of its conditions. Each example adds random entries, then asks the real
database (SQLite or PostgreSQL, as the suite runs) for the window's entries
and counts, and the live matcher for the changes it would push, for a random
viewer and filter. The example's own entries are rolled back.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.badges import read_badge
from domain.journal import ChangeKind, EntryKey, Journal, WindowChange
from domain.live_filter import change_in_scope, change_matches
from domain.viewer import Viewer
from domain.vocabulary import ActivityType, WindowStatus
from domain.window import HasNotes, StatusFilter, WindowFilter, selection
from domain.window_counts import count_matching, counter_conditions
from domain.window_filter import WindowMatch
from models import ActivityCounter, ActivityEntry
from models.base import utcnow
from models.db import BEFORE_COMMIT, Database
from service.provisioning import create_organisation

# Enough to reach every branch, few enough for the suite's time on 2 cores.
EXAMPLES = 40


@dataclass(frozen=True)
class Tenants:
    """The viewer's organisation (three locations) and another one (one),
    with every combination of entry recorded once."""

    ours: int
    ours_locations: tuple[int, ...]
    theirs: int
    theirs_locations: tuple[int, ...]
    recorded: Recorded | None = None


class Recorded:
    """Entries recorded once for every example (a short repr: a failing
    example prints its arguments)."""

    def __init__(self, changes: list[WindowChange], notes: dict[int, bool]) -> None:
        self.changes = changes
        self.notes = notes

    def __repr__(self) -> str:
        return f"<{len(self.changes)} recorded entries>"


@dataclass(frozen=True)
class Drawn:
    """One random entry: whose, what, where, with notes or not."""

    ours: bool
    type: ActivityType
    status: WindowStatus
    location: int  # an index into the organisation's locations; -1: none
    has_notes: bool


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def tenants(database: Database) -> Tenants:
    async with database.write() as session:
        ours = await create_organisation(
            session,
            slug="ours",
            name="Ours",
            locations=[("a", "A"), ("b", "B"), ("c", "C")],
        )
        theirs = await create_organisation(
            session, slug="theirs", name="Theirs", locations=[("z", "Z")]
        )
    tenants = Tenants(
        ours.id,
        tuple(ours.location_ids.values()),
        theirs.id,
        tuple(theirs.location_ids.values()),
    )
    every_entry = [
        Drawn(*combination)
        for combination in itertools.product(
            (True, False), ActivityType, WindowStatus, (-1, 0, 1, 2), (True, False)
        )
    ]
    async with database.write() as session:
        journal, notes = await _record(session, tenants, every_entry)
    return replace(tenants, recorded=Recorded(journal.changes, notes))


ENTRIES = st.lists(
    st.builds(
        Drawn,
        ours=st.booleans(),
        type=st.sampled_from(sorted(ActivityType)),
        status=st.sampled_from(WindowStatus),
        location=st.integers(min_value=-1, max_value=2),
        has_notes=st.booleans(),
    ),
    max_size=14,
)
# A location filter: all (None), location-independent only (-1), or one of
# four locations: ours (0-2) or the other organisation's (3).
LOCATION_FILTER = st.one_of(st.none(), st.integers(min_value=-1, max_value=3))
FILTERS = st.tuples(
    st.one_of(st.none(), st.frozensets(st.sampled_from(sorted(ActivityType)), min_size=1)),
    st.sampled_from(HasNotes),
    st.sampled_from(StatusFilter),
    LOCATION_FILTER,
)
# The viewer's locations: all (None), or a subset of ours (possibly empty).
SCOPES = st.one_of(st.none(), st.frozensets(st.integers(min_value=0, max_value=2)))


def _filter(
    tenants: Tenants,
    drawn: tuple[frozenset[ActivityType] | None, HasNotes, StatusFilter, int | None],
) -> WindowFilter:
    types, has_notes, status, location = drawn
    every_location = (*tenants.ours_locations, *tenants.theirs_locations)
    return WindowFilter(
        types=types,
        has_notes=has_notes,
        status=status,
        location_id=None if location is None or location < 0 else every_location[location],
        no_location=location == -1,
    )


async def _record(
    session: AsyncSession, tenants: Tenants, drawn: list[Drawn]
) -> tuple[Journal, dict[int, bool]]:
    """The entries, recorded as ingestion records them: rows, then one
    journal change each (the change record and the counters)."""
    journal = Journal(session)
    notes: dict[int, bool] = {}
    now = utcnow()
    for ours in (True, False):
        mine = [d for d in drawn if d.ours is ours]
        if not mine:
            continue
        organisation = tenants.ours if ours else tenants.theirs
        locations = tenants.ours_locations if ours else tenants.theirs_locations
        first = await journal.allocate(organisation, len(mine))
        rows = [
            ActivityEntry(
                organisation_id=organisation,
                sequence=first + offset,
                updated_seq=first + offset,
                type=d.type.value,
                status=d.status.value,
                location_id=None if d.location < 0 else locations[d.location % len(locations)],
                occurred_at=now - timedelta(minutes=offset + 1),
                has_notes=d.has_notes,
                notes="a note" if d.has_notes else None,
            )
            for offset, d in enumerate(mine)
        ]
        session.add_all(rows)
        await session.flush()
        notes.update({r.id: r.has_notes for r in rows})
        await journal.record(
            organisation,
            [EntryKey(r.id, r.type, r.status, r.location_id) for r in rows],
            change=ChangeKind.ADDED,
            reason="RECORDED",
            first_sequence=first,
        )
    # What Database.write() does just before it commits: the final sequence
    # numbers, then the badge counters (domain/sequencing.py).
    for hook in session.info.pop(BEFORE_COMMIT, ()):
        await hook()
    return journal, notes


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=ENTRIES, drawn_filter=FILTERS, drawn_scope=SCOPES)
async def test_window_counters_and_live_matcher_agree(
    database: Database,
    tenants: Tenants,
    drawn: list[Drawn],
    drawn_filter: tuple[frozenset[ActivityType] | None, HasNotes, StatusFilter, int | None],
    drawn_scope: frozenset[int] | None,
) -> None:
    window_filter = _filter(tenants, drawn_filter)
    viewer = Viewer(
        staff_id=1,
        organisation_id=tenants.ours,
        name="staff",
        permissions={},
        location_ids=(
            None
            if drawn_scope is None
            else frozenset(tenants.ours_locations[i] for i in drawn_scope)
        ),
    )
    without_notes = replace(window_filter, has_notes=HasNotes.BOTH)
    async with AsyncSession(database.write_engine, expire_on_commit=False) as session:
        try:
            # Given random entries of two organisations, recorded by the journal
            journal, added_notes = await _record(session, tenants, drawn)
            assert tenants.recorded is not None
            changes = [*tenants.recorded.changes, *journal.changes]
            notes = {**tenants.recorded.notes, **added_notes}
            now = utcnow()

            # When the window, the counters and the live matcher are asked
            in_window = set(
                await session.scalars(
                    select(ActivityEntry.id).where(selection(viewer, window_filter, now))
                )
            )
            in_window_any_notes = set(
                await session.scalars(
                    select(ActivityEntry.id).where(selection(viewer, without_notes, now))
                )
            )
            counted = await count_matching(session, viewer, window_filter, now)
            on_counters = await session.scalar(
                select(func.coalesce(func.sum(ActivityCounter.open_count), 0)).where(
                    *counter_conditions(viewer, without_notes)
                )
            )
            everything = set(
                await session.scalars(
                    select(ActivityEntry.id).where(selection(viewer, WindowFilter(), now))
                )
            )
            pending = await count_matching(
                session, viewer, WindowFilter(status=StatusFilter.PENDING), now
            )
            shown = (await read_badge(session, viewer, now)).badge
            match = WindowMatch.of(viewer, window_filter)
            pushed = {c.entry_id for c in changes if change_matches(match, c, notes[c.entry_id])}
            pushed_before_read = {c.entry_id for c in changes if change_matches(match, c, None)}
            in_scope = {c.entry_id for c in changes if change_in_scope(WindowMatch.of(viewer), c)}
        finally:
            await session.rollback()

    # Then they name the same entries, and count as many
    assert pushed == in_window
    assert counted == len(in_window)
    assert on_counters == len(in_window_any_notes)
    # The badge counts what the window shows unfiltered, from the counters
    assert (shown.waiting, shown.pending) == (len(everything), pending)
    # The live feed's first pass (notes not read yet) lets through every
    # entry the notes filter might keep, and nothing outside the scope.
    assert pushed_before_read == in_window_any_notes
    assert in_window_any_notes <= in_scope
    # The scope, against the viewer's own rule: its organisation, its
    # locations and location-independent entries.
    assert in_scope == {
        c.entry_id
        for c in changes
        if c.organisation_id == tenants.ours and viewer.sees_location(c.location_id)
    }
