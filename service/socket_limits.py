"""graphql-transport-ws frames are checked before strawberry reads them.

Issue 10: "Websocket frames: ``[]``, a JSON string or number, a subscribe
with an object id or a string payload, deeply nested JSON: the socket is
dropped with no close frame (1006) instead of the protocol's 4400. A 10 MB
frame is accepted ... set a frame limit fit for our messages (1009 above
it)."

strawberry's handler indexes every message as a dict of the right shape: a
frame of another shape raised ``TypeError`` or ``RecursionError`` out of the
socket's task, and the client saw the TCP connection drop.

- ``LimitedWebSocketAdapter`` reads each text frame: longer than
  ``MAX_FRAME_BYTES`` closes with 1009, JSON deeper than ``MAX_JSON_DEPTH``
  (or not JSON, or binary) with 4400.
- ``CheckedTransportWS`` closes with 4400 on a message that is not a
  graphql-transport-ws message (``message_problem``), admits the socket
  against the per-staff cap (``service.socket_quota``: 4290 past it) and
  gives its lease back when the socket ends.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from json import JSONDecodeError
from typing import Any, Final, cast

from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)

from schema.context import Context
from service.request_limits import (
    MAX_FRAME_BYTES,
    MESSAGE_TOO_BIG,
    JsonTooDeep,
    decode_json,
)
from service.socket_quota import TOO_MANY_SOCKETS, SocketLease, SocketLimitReached

INVALID_MESSAGE: Final = 4400
# Where a socket's lease is kept: its ASGI scope (one per socket).
LEASE: Final = "online_activity.socket_lease"


def _is_object_or_none(value: object) -> bool:
    return value is None or isinstance(value, dict)


def message_problem(message: object) -> str | None:
    """Why ``message`` is not a graphql-transport-ws client message (the
    close reason), or None. Unknown types are left to strawberry (4400)."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a string type"
    if kind in ("connection_init", "ping", "pong"):
        return None if _is_object_or_none(message.get("payload")) else "payload must be an object"
    if kind in ("subscribe", "complete") and not (
        isinstance(message.get("id"), str) and message["id"]
    ):
        return f"{kind} needs a string id"
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return "subscribe needs an object payload"
        if not isinstance(payload.get("query"), str):
            return "subscribe needs a string query"
        if not _is_object_or_none(payload.get("variables")):
            return "variables must be an object"
        if not _is_object_or_none(payload.get("extensions")):
            return "extensions must be an object"
        if not isinstance(payload.get("operationName"), str | None):
            return "operationName must be a string"
    return None


class LimitedWebSocketAdapter(ASGIWebSocketAdapter):
    """strawberry's adapter with the frame limits above."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        while self.ws.application_state != WebSocketState.DISCONNECTED:
            try:
                frame = await self.ws.receive()
            except WebSocketDisconnect:  # pragma: no cover - starlette raises on send only
                return
            if frame["type"] == "websocket.disconnect":
                return
            text = frame.get("text")
            if text is None:
                await self.close(INVALID_MESSAGE, "WebSocket message type must be text")
                return
            if len(text) > MAX_FRAME_BYTES or len(text.encode()) > MAX_FRAME_BYTES:
                await self.close(MESSAGE_TOO_BIG, f"Message larger than {MAX_FRAME_BYTES} bytes")
                return
            try:
                message = decode_json(text)
            except JsonTooDeep as error:
                await self.close(INVALID_MESSAGE, str(error))
                return
            except JSONDecodeError:
                if not ignore_parsing_errors:
                    await self.close(INVALID_MESSAGE, "WebSocket message must be valid JSON")
                    return
                continue
            # A socket idles for hours behind its last message: hold none of it
            # while waiting for the next (issue 12, memory per idle subscriber).
            del frame, text
            yield message
            del message


# Query texts of the subscriptions open in this process, one string each:
# every subscriber of the same document shares it. Bounded, as any client may
# send new texts: at most SHARED_TEXTS of at most SHARED_TEXT_CHARS (512 KiB
# in all); an evicted or longer text is simply not shared.
SHARED_TEXTS: Final = 256
SHARED_TEXT_CHARS: Final = 2048
_texts: dict[str, str] = {}


def shared_text(query: str) -> str:
    """The one copy of ``query`` this process keeps for its operations."""
    found = _texts.get(query)
    if found is not None:
        return found
    if len(query) > SHARED_TEXT_CHARS:
        return query
    if len(_texts) >= SHARED_TEXTS:
        del _texts[next(iter(_texts))]  # the oldest
    _texts[query] = query
    return query


class CheckedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, refusing misshapen messages
    and sockets past the per-staff cap."""

    async def handle_message(self, message: Message) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if message["type"] == "subscribe":
            payload: Any = message["payload"]
            payload["query"] = shared_text(payload["query"])
        await super().handle_message(message)
        # strawberry's reading loop keeps its last message until the next one
        # arrives, hours on an idle socket; what an operation needs of it, it
        # holds itself (the query, variables and name; connection_init's payload).
        cast("dict[str, Any]", message).clear()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except SocketLimitReached as refused:
            await self.websocket.close(code=TOO_MANY_SOCKETS, reason=str(refused))

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            scope: dict[str, Any] = getattr(self.context.request, "scope", {})
            lease = scope.pop(LEASE, None)
            if isinstance(lease, SocketLease):
                view: Any = self.view
                await view.sockets.release(lease)
