"""The window's argument rules as plain functions: cursors, page requests, filters."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from domain.cursors import KeysetCursor, OffsetCursor, decode, encode_keyset, encode_offset
from domain.errors import InvalidRequest
from domain.vocabulary import ActivityType
from domain.window import PageRequest, StatusFilter, WindowFilter


def _raw(document: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def _codes(error: pytest.ExceptionInfo[InvalidRequest]) -> list[tuple[str, tuple[str, ...]]]:
    return [(p.code, p.field) for p in error.value.problems]


def test_cursors_round_trip() -> None:
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert decode(encode_keyset(at, 42), field="after") == KeysetCursor(at, 42)
    assert decode(encode_offset(70), field="after") == OffsetCursor(70)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        _raw([1, 2]),
        _raw({"v": 2, "o": 1}),
        _raw({"v": 1, "o": -1}),
        _raw({"v": 1, "o": True}),
        _raw({"v": 1, "o": 1, "x": 2}),
        _raw({"v": 1, "t": "2026-03-01T12:00:00", "i": 1}),  # no time zone
        _raw({"v": 1, "t": "yesterday", "i": 1}),
        _raw({"v": 1, "t": "2026-03-01T12:00:00+00:00", "i": "1"}),
    ],
)
def test_malformed_cursors_are_refused_with_their_field(cursor: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        decode(cursor, field="before")
    assert _codes(refused) == [("INVALID_CURSOR", ("before",))]


def test_page_request_collects_every_problem() -> None:
    with pytest.raises(InvalidRequest) as refused:
        PageRequest(first=101, last=-2, after="x", before="y").checked()
    assert _codes(refused) == [
        ("CONTRADICTORY_ARGUMENTS", ("last",)),
        ("CONTRADICTORY_ARGUMENTS", ("before",)),
        ("PAGE_SIZE_TOO_LARGE", ("first",)),
        ("INVALID_PAGE_SIZE", ("last",)),
        ("INVALID_CURSOR", ("after",)),
        ("INVALID_CURSOR", ("before",)),
    ]


def test_page_request_defaults_and_direction() -> None:
    assert PageRequest().checked() == (10, False, None, None)
    assert PageRequest(last=3).checked() == (3, True, None, None)
    before = encode_offset(20)
    assert PageRequest(before=before).checked() == (10, True, None, OffsetCursor(20))
    assert PageRequest(first=4, before=before).checked() == (4, False, None, OffsetCursor(20))


def test_notification_status_contradicts_only_excluded_types() -> None:
    WindowFilter(
        types=frozenset({ActivityType.ONLINE_ORDER, ActivityType.PAYMENT}),
        status=StatusFilter.NOTIFICATION,
    ).validate()
    with pytest.raises(InvalidRequest) as refused:
        WindowFilter(
            types=frozenset({ActivityType.PARTY, ActivityType.GIFT_CARD}),
            status=StatusFilter.NOTIFICATION,
        ).validate()
    assert _codes(refused) == [("CONTRADICTORY_FILTER", ("filter", "status"))]
