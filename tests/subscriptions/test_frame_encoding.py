"""A shared execution's ``next`` frame is the JSON the ordinary path writes.

``schema.execution.SharedData`` is encoded once per event and selection and
its text spliced into every subscriber's frame (``service.app``): the frame
must decode to exactly what strawberry's own encoding gives.
"""

from __future__ import annotations

import json

from schema.execution import SharedData
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
