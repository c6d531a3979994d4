"""A window message is parsed once per process, not once per subscriber."""

from __future__ import annotations

from types import MappingProxyType

from domain.journal import WindowChange
from subscriptions.channels import changes_message, parse_changes
from tests.factories import added_payment


def change(sequence: int) -> WindowChange:
    return added_payment(4, sequence)


def test_the_same_message_is_parsed_once_and_an_equal_copy_again() -> None:
    message = MappingProxyType(changes_message(4, [change(2), change(1)]))

    first = parse_changes(message)
    assert first is not None
    assert [c.sequence for c in first.changes] == [1, 2]
    assert first.changes[0] == change(1)
    assert first.last_sequence == 2
    assert parse_changes(message) is first

    copy = MappingProxyType(dict(message))
    again = parse_changes(copy)
    assert again == first and again is not first


def test_other_kinds_parse_to_nothing_every_time() -> None:
    resync = MappingProxyType({"kind": "resync"})
    assert parse_changes(resync) is None
    assert parse_changes(resync) is None
