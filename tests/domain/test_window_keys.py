"""Keyset bounds as plain functions: which side of a key they keep, and where
in time a query inside them can start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.cursors import KeysetCursor
from domain.window_keys import KeyBound, beyond, earliest_admitted, short_of

CUTOFF = datetime(2026, 1, 1, tzinfo=UTC)
KEY = KeysetCursor(occurred_at=CUTOFF + timedelta(days=30), entry_id=7)


def test_after_and_before_follow_the_display_order() -> None:
    assert beyond(KEY, ascending=True, inclusive=False) == KeyBound(
        KEY, above=True, inclusive=False
    )
    assert beyond(KEY, ascending=False, inclusive=True) == KeyBound(
        KEY, above=False, inclusive=True
    )
    assert short_of(KEY, ascending=True) == KeyBound(KEY, above=False, inclusive=False)
    assert short_of(KEY, ascending=False) == KeyBound(KEY, above=True, inclusive=False)


def test_a_negated_bound_keeps_exactly_the_rows_left_out() -> None:
    after = KeyBound(KEY, above=True, inclusive=False)
    assert after.negated() == KeyBound(KEY, above=False, inclusive=True)
    assert after.negated().negated() == after


def test_a_query_starts_at_the_later_of_the_cutoff_and_the_key_it_reads_past() -> None:
    older = KeysetCursor(occurred_at=CUTOFF - timedelta(days=1), entry_id=1)
    assert earliest_admitted(CUTOFF, []) == CUTOFF
    assert (
        earliest_admitted(CUTOFF, [beyond(KEY, ascending=True, inclusive=False)]) == KEY.occurred_at
    )
    # a bound below the key admits rows from the cutoff on
    assert earliest_admitted(CUTOFF, [short_of(KEY, ascending=True)]) == CUTOFF
    # a key that has left the 90 days does not widen the window
    assert earliest_admitted(CUTOFF, [beyond(older, ascending=True, inclusive=True)]) == CUTOFF
