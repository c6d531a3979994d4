"""A per-process cache returns exactly what the plain path makes (``domain.process_caches``).

Each cache stands in for a function called once per subscriber; these
tests call both and compare, so a cache can only save work, never change
an answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from domain.journal import ChangeKind, WindowChange
from domain.process_caches import ProcessCache, Same
from domain.vocabulary import ActivityType, WindowStatus
from models import ActivityEntry
from models.db import Database
from schema.execution import _document_of, _print_document
from schema.live import ActivityEvent, shared_loaders
from subscriptions.activity import ActivityEvent as FeedEvent

SUBSCRIPTION = """
subscription Events($after: Int, $withEntry: Boolean!) {
  activityEvents(afterSequence: $after) { sequence ...Entry @include(if: $withEntry) }
}
fragment Entry on ActivityEvent { entry { ... on PaymentActivity { id amount } } }
"""


@pytest.fixture
def database() -> Iterator[Database]:
    # Engines are made, never connected: the caches only hold the object.
    yield Database("sqlite+aiosqlite:///:memory:")


def _parsed() -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    document = parse(SUBSCRIPTION)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return operation, fragments


def _change(sequence: int) -> WindowChange:
    return WindowChange(
        organisation_id=1,
        sequence=sequence,
        entry_id=40 + sequence,
        change=ChangeKind.ADDED,
        reason="RECORDED",
        type=ActivityType.PAYMENT.value,
        status=WindowStatus.NOTIFICATION.value,
        location_id=None,
        at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )


def test_a_process_cache_makes_each_value_once_and_keeps_the_last_ones() -> None:
    made: list[str] = []
    cache: ProcessCache[str, str] = ProcessCache(kept=2)

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert [cache.get(k, partial(make, k)) for k in ("a", "a", "b", "c", "a")] == [
        "A",
        "A",
        "B",
        "C",
        "A",
    ]
    # "a" was made again once "b" and "c" had pushed it out
    assert made == ["a", "b", "c", "a"]
    assert len(cache) == 2


def test_same_is_equal_only_to_the_very_object() -> None:
    one, other = [1], [1]
    assert Same(one) == Same(one)
    assert Same(one) != Same(other)
    assert hash(Same(one)) == id(one)


def test_a_subscriptions_document_is_the_one_printed_for_it() -> None:
    operation, fragments = _parsed()
    cached = _document_of(operation, fragments)
    assert cached == _print_document(operation, fragments)
    assert cached[1] == ("withEntry",)  # the root field's $after is not the selection's
    assert _document_of(operation, fragments) is cached
    # Another parse of the same text is another document: computed again, the same
    again, again_fragments = _parsed()
    assert _document_of(again, again_fragments) == cached


def _payment_entry() -> ActivityEntry:
    """A stored payment as the window reads it (its fields are made with the object)."""
    return ActivityEntry(
        id=41,
        type=ActivityType.PAYMENT.value,
        status="NOTIFICATION",
        details={"amount": "25.00", "method": "card"},
    )


def test_an_events_shared_object_is_the_one_built_for_it(database: Database) -> None:
    entry = _payment_entry()
    for feed in (FeedEvent(_change(1), entry), FeedEvent(_change(2), None)):
        shared = ActivityEvent.from_feed(feed, database)
        assert shared == ActivityEvent._build(feed, database)
        assert ActivityEvent.from_feed(feed, database) is shared
    # The same change with another loaded entry object is another event
    reloaded = _payment_entry()
    assert ActivityEvent.from_feed(FeedEvent(_change(1), reloaded), database) is not (
        ActivityEvent.from_feed(FeedEvent(_change(1), entry), database)
    )


def test_an_events_loaders_are_shared_by_event_and_organisation(database: Database) -> None:
    loaders = shared_loaders(database, 1, 7)
    assert shared_loaders(database, 1, 7) is loaders
    assert shared_loaders(database, 1, 8) is not loaders
    assert shared_loaders(database, 2, 7) is not loaders
