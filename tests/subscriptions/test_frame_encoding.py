"""A shared execution's ``next`` frame is the JSON the ordinary path writes.

``schema.frames.SharedData`` is encoded once per event and selection and
its text spliced into every subscriber's frame (``service.app``): the frame
must be, byte for byte, what strawberry's own encoding writes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from strawberry.asgi import GraphQL

from schema.frames import SharedData
from service.app import OnlineActivityGraphQL
from service.services import Services
from service.settings import Settings


def view() -> OnlineActivityGraphQL:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:")
    return OnlineActivityGraphQL(Services.from_settings(settings))


def test_a_shared_next_frame_decodes_like_the_ordinary_encoding() -> None:
    graphql = view()
    data = {"activityEvents": {"sequence": 7, "note": 'Grüße "quoted" \u2028', "entry": None}}
    shared = SharedData(data)
    assert json.loads(shared.text) == data
    # Mark the kept text (unescaped non-ASCII, which the ordinary path never
    # writes) to see it spliced in rather than the data encoded again.
    shared._text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    message = {"id": 'op-1"', "type": "next", "payload": {"data": shared}}

    frame = graphql.encode_json(message)

    assert isinstance(frame, str)
    assert json.loads(frame) == {"id": 'op-1"', "type": "next", "payload": {"data": data}}
    assert "Grüße" in frame


def test_frames_with_errors_or_plain_data_take_the_ordinary_encoding() -> None:
    graphql = view()
    shared = SharedData({"a": 1})
    with_errors = {
        "id": "1",
        "type": "next",
        "payload": {"data": shared, "errors": [{"message": "boom"}]},
    }
    plain = {"id": "2", "type": "next", "payload": {"data": {"a": 1}}}

    for message in (with_errors, plain):
        frame = graphql.encode_json(message)
        assert json.loads(frame) == json.loads(json.dumps(message))


DATA: list[dict[str, Any]] = [
    {"activityEvents": None},
    {"activityEvents": {"sequence": 1, "entryId": "UGF5bWVudEFjdGl2aXR5OjE=", "entry": None}},
    {
        "activityEvents": {
            "sequence": 2**53,
            "amount": 12.5,
            "ok": True,
            "names": ["Zoë", "\u2028", 'tab\tquote"', "\U0001f3ca"],
            "nested": {"empty": {}, "list": [], "null": None},
        }
    },
]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("operation", ["1", 'op "2"', "ü"])
def test_a_spliced_frame_is_byte_for_byte_the_plain_frame(
    data: dict[str, Any], operation: str
) -> None:
    # Given the same next message, once with shared data and once plain
    graphql = view()
    shared = {"id": operation, "type": "next", "payload": {"data": SharedData(data)}}
    plain = {"id": operation, "type": "next", "payload": {"data": data}}

    # When each is encoded: ours splices, strawberry's own encodes
    spliced = graphql.encode_json(shared)
    ordinary = GraphQL.encode_json(graphql, plain)

    # Then the frames are the same text
    assert spliced == ordinary
