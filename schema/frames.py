"""Pre-encoded ``next`` frames: a shared execution's data is JSON-encoded once.

What it buys (BENCHMARKS.md, third pass, measured by ``make bench``): one
``json.dumps`` per event and selection instead of one per subscriber, with
a thousand subscribers of one selection sharing an execution
(``schema.execution``). Current figures: to be measured by ``make bench``.

The frame it writes is, byte for byte, the one strawberry's own encoding
writes for the same message (``tests/subscriptions/test_frame_encoding.py``).
"""

from __future__ import annotations

import json
from typing import Any

# strawberry's encoding (``strawberry.http.base.BaseView.encode_json``).
SEPARATORS = (",", ":")


class SharedData(dict[str, Any]):
    """A shared execution's ``data``: the same for every subscriber of its key,
    so its JSON text is encoded once (``text``) and reused for every frame."""

    __slots__ = ("_text",)

    @property
    def text(self) -> str:
        try:
            return self._text
        except AttributeError:
            self._text: str = json.dumps(self, separators=SEPARATORS)
            return self._text


def spliced_next_frame(message: object) -> str | None:
    """A graphql-transport-ws ``next`` message whose only payload is a
    ``SharedData``, written with its kept text; None for any other message
    (errors, extensions, plain data: the caller encodes those itself)."""
    if not isinstance(message, dict) or message.get("type") != "next":
        return None
    if list(message) != ["id", "type", "payload"]:
        return None
    payload = message["payload"]
    if not isinstance(payload, dict) or payload.keys() != {"data"}:
        return None
    shared = payload["data"]
    if not isinstance(shared, SharedData):
        return None
    operation = json.dumps(message["id"], separators=SEPARATORS)
    return f'{{"id":{operation},"type":"next","payload":{{"data":{shared.text}}}}}'
