"""What one HTTP request or websocket message may cost the server.

Issue 10, "Cheap denial of service": "A JSON body nested 100,000 deep gives
HTTP 500; a 30 MB body is accepted ... Limit request bodies (413 with a
clear message), JSON nesting (400) ..." and "Websocket frames ... A 10 MB
frame is accepted (only uvicorn's 16 MiB applies): set a frame limit fit
for our messages (1009 above it)."

- ``BodyLimit``: an ASGI middleware that reads an HTTP body as it streams
  in and answers 413 as soon as it passes ``MAX_BODY_BYTES`` (or at once
  when ``Content-Length`` says so), before any of the app sees it.
- ``decode_json``: JSON with at most ``MAX_JSON_DEPTH`` levels of arrays and
  objects; deeper is ``JsonTooDeep`` (HTTP 400, websocket 4400). Python's
  decoder would raise ``RecursionError`` past ~1,000 levels, which nothing
  expected: HTTP 500, websocket dropped.
- ``MAX_FRAME_BYTES``: the largest websocket message we read (close 1009
  above it). ``serve`` also gives it to uvicorn (``ws_max_size``), so a
  bigger frame is refused before it is even buffered.

The limits in README.md ("Limits") are these constants.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A recordPortalEvent or an email to families is a few KiB; an email body
# may hold 50,000 characters (domain/email.py), up to 300 kB escaped.
MAX_BODY_BYTES: Final = 1024 * 1024
# The deepest input (a portal event's students or order items, inside the
# variables, inside the body) nests about 6 levels.
MAX_JSON_DEPTH: Final = 32
# A subscribe message is a document (at most 4,000 tokens) and variables.
MAX_FRAME_BYTES: Final = 256 * 1024

REQUEST_TOO_LARGE: Final = "REQUEST_TOO_LARGE"
MESSAGE_TOO_BIG: Final = 1009  # RFC 6455: a message too big to process


class JsonTooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")


def _too_deep(value: object) -> bool:
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: object = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend(
            (child, depth + 1)
            for child in children  # type: ignore[attr-defined]
            if isinstance(child, dict | list)
        )
    return False


def decode_json(data: str | bytes) -> object:
    """``json.loads`` with nesting bounded by ``MAX_JSON_DEPTH``."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep from None
    if _too_deep(value):
        raise JsonTooDeep
    return value


def _too_large_body() -> bytes:
    message = (
        f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB "
        f"({MAX_BODY_BYTES} bytes); nothing was done."
    )
    error = {
        "message": message,
        "extensions": {"code": REQUEST_TOO_LARGE, "maximum": MAX_BODY_BYTES},
    }
    return json.dumps({"errors": [error]}).encode()


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Refuse an HTTP request whose body passes ``MAX_BODY_BYTES`` with 413,
    reading no more of it than that. The app gets the body it would have
    read anyway, in one message."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {
            "type": "http.request",
            "body": b"".join(chunks),
            "more_body": False,
        }

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message, body = body, None
                return message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        content = _too_large_body()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                    # The rest of the body is not read: do not wait for it.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})
