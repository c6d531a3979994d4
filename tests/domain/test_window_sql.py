"""The SQL the window filter emits, compared with a reviewed copy.

A change to the filter's derivation (``domain.window_filter``) that alters
the statements the window, the counts and bulk selections run shows here as
a diff, so it is seen and reviewed, never accidental. After an intended
change, regenerate the copy and review its diff:

    GOLDEN_UPDATE=1 .venv/bin/python -m pytest -q tests/domain/test_window_sql.py
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from domain.viewer import Viewer
from domain.vocabulary import ActivityType
from domain.window import HasNotes, StatusFilter, WindowFilter, selection
from domain.window_counts import counter_conditions
from models import ActivityCounter, ActivityEntry

# The drivers the app runs on (an engine is made, never connected).
DIALECTS = [
    create_async_engine(url).dialect for url in ("postgresql+asyncpg://", "sqlite+aiosqlite://")
]
GOLDEN = Path(__file__).parent / "golden" / "window_sql.txt"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
EVERYWHERE = Viewer(1, 7, "all locations", {}, None)
TWO_LOCATIONS = Viewer(2, 7, "two locations", {}, frozenset({5, 3}))

CASES: dict[str, tuple[Viewer, WindowFilter]] = {
    "default filter, every location": (EVERYWHERE, WindowFilter()),
    "two types, Notification status": (
        EVERYWHERE,
        WindowFilter(
            types=frozenset({ActivityType.PAYMENT, ActivityType.PARTY}),
            status=StatusFilter.NOTIFICATION,
        ),
    ),
    "one location, pending, with notes, viewer limited": (
        TWO_LOCATIONS,
        WindowFilter(location_id=5, has_notes=HasNotes.YES, status=StatusFilter.PENDING),
    ),
    "no location, approved, viewer limited": (
        TWO_LOCATIONS,
        WindowFilter(no_location=True, status=StatusFilter.APPROVED),
    ),
    "without notes, every location": (EVERYWHERE, WindowFilter(has_notes=HasNotes.NO)),
}


def _value(value: object) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Enum):
        return repr(value.value)  # the same text as the plain string it stands for
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def _rendered(statement: Select[int], dialect: Dialect) -> str:
    compiled = statement.compile(dialect=dialect)
    sql = " ".join(str(compiled).split())
    params = ", ".join(f"{k}={_value(v)}" for k, v in sorted(compiled.params.items()))
    return f"{sql}\n    params: {params}"


def _golden_text() -> str:
    sections = []
    for name, (viewer, window_filter) in CASES.items():
        for dialect in DIALECTS:
            window = select(ActivityEntry.id).where(selection(viewer, window_filter, NOW))
            sections.append(f"## {name} / window / {dialect.name}\n{_rendered(window, dialect)}")
            if window_filter.has_notes is HasNotes.BOTH:
                counters = select(ActivityCounter.open_count).where(
                    *counter_conditions(viewer, window_filter)
                )
                sections.append(
                    f"## {name} / counters / {dialect.name}\n{_rendered(counters, dialect)}"
                )
    return "\n\n".join(sections) + "\n"


def test_the_window_filter_emits_the_reviewed_sql() -> None:
    # Given the reviewed statements, when the filters are derived again,
    # then each statement and its parameters are the same, word for word.
    emitted = _golden_text()
    if os.environ.get("GOLDEN_UPDATE"):
        GOLDEN.write_text(emitted, encoding="utf-8")
    assert emitted == GOLDEN.read_text(encoding="utf-8"), (
        "the window filter's SQL changed; if intended, regenerate "
        "tests/domain/golden/window_sql.txt (see this module) and review its diff"
    )
