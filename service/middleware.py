"""The operator's view of every connection, as one pure ASGI middleware.

- HTTP and websocket: a request id (the client's ``X-Request-ID`` when it
  is a sane token, else a new one), in every log line of the request
  (service/logs.py) and in the response's ``X-Request-ID``.
- websocket: counted in ``/metrics`` and known to the drain
  (service/shutdown.py), which closes it with 1001 when the process stops;
  while stopping, new websockets are refused the same way. A socket whose
  client stops reading is closed with 1013 (service/backpressure.py).
- lifespan: a startup the service refuses (``StartupRefused``) reaches
  uvicorn as its one-line message, not as a traceback.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.backpressure import (
    CLOSE_GRACE_SECONDS,
    StalledSocketGuard,
    transport_abort,
    transport_writable,
)
from service.direct_sink import DIRECT_SOCKET, direct_socket
from service.logs import REQUEST_ID
from service.metrics import Metrics
from service.readiness import StartupRefused
from service.shutdown import GOING_AWAY, Drain, LiveSocket

REQUEST_ID_HEADER: Final = b"x-request-id"
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _SANE_ID.fullmatch(value):
            return str(value.decode("ascii"))
    return secrets.token_hex(8)


class OperatorMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        drain: Drain,
        metrics: Metrics,
        ws_send_timeout: float = 0.0,
        ws_close_grace: float = CLOSE_GRACE_SECONDS,
    ) -> None:
        self.app = app
        self.drain = drain
        self.metrics = metrics
        self.ws_send_timeout = ws_send_timeout
        self.ws_close_grace = ws_close_grace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self.websocket(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
        else:  # pragma: no cover - no other ASGI scope exists today
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One websocket; ``service.app`` calls it directly for ``/graphql``'s."""
        if self.drain.draining:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": GOING_AWAY})
            return
        token = REQUEST_ID.set(_request_id(scope))
        socket = LiveSocket(send)
        self.drain.opened(socket)
        self.metrics.sockets.inc()
        try:
            guard = StalledSocketGuard(
                socket.send,
                self.ws_send_timeout,
                transport_abort(send),
                self.ws_close_grace,
                transport_writable(send),
            )
            # Caught-up subscribers' frames, written by their group (service/direct_sink.py).
            # In the scope's server extensions: a key of the scope itself
            # grew its dict past a resize (~0.7 KiB a socket).
            scope.setdefault("extensions", {})[DIRECT_SOCKET] = direct_socket(send, socket, guard)
            await self.app(scope, receive, guard.send)
        finally:
            self.metrics.sockets.dec()
            self.drain.closed(socket)
            REQUEST_ID.reset(token)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        failed: list[Message] = []

        async def send_short(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                failed.append(message)  # sent below, once the cause is known
            else:
                await send(message)

        try:
            await self.app(scope, receive, send_short)
        except StartupRefused as refused:
            await send({"type": "lifespan.startup.failed", "message": str(refused)})
            return
        except BaseException:
            for message in failed:
                await send(message)
            raise
        for message in failed:
            await send(message)
