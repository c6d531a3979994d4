"""uvicorn's websocket protocol, keeping less for every open socket.

Issue 12: an idle ``activityEvents`` subscriber cost the server 56 KiB
(``python -m bench.idle_memory``); a bare websockets connection costs
12.5 KiB. uvicorn's sans-I/O websocket protocol (the one ``ws="auto"``
picks) keeps, for the life of every socket:

- an ``asyncio.Queue`` for the frames the app has not received yet and an
  ``asyncio.Event`` for "the transport is writable": five deques, ~3.7 KiB,
  mostly empty for hours. Here an ``Inbox`` (``subscriptions.inbox``) and a
  flag whose future exists only while a send waits for the transport;
- the handshake's parsed request and the response it sent, headers and
  all (~2 KiB), never read again once the handshake is done (websockets'
  parser keeps the request alive too, so its headers are emptied: the ASGI
  scope has its own copy), and in the scope the headers that only
  negotiated the upgrade (``HANDSHAKE_ONLY``).

Behaviour is uvicorn's own: this only swaps those containers and drops the
handshake once it is sent. ``UVICORN_WS`` is the import string ``serve``
(and the benchmark and tests' servers) give uvicorn as ``ws=``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from subscriptions.inbox import Inbox

UVICORN_WS: Final = "service.ws_protocol:LeanWebSocketProtocol"


# Request headers that only negotiate the upgrade (RFC 6455 4.1): done with
# once it is answered, they leave the scope a socket keeps for its life.
HANDSHAKE_ONLY: Final = frozenset(
    {
        b"upgrade",
        b"connection",
        b"sec-websocket-key",
        b"sec-websocket-version",
        b"sec-websocket-extensions",
    }
)


class Writable:
    """``asyncio.Event``'s set/clear/wait for one flag, with no deque: a
    future only while someone waits."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = True
        self._waiter: asyncio.Future[None] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        while not self._set:
            if self._waiter is None or self._waiter.done():
                self._waiter = asyncio.get_running_loop().create_future()
            # Shielded: one cancelled sender must not cancel the others' wait.
            await asyncio.shield(self._waiter)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """``WebSocketsSansIOProtocol`` with the lean containers above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue: Any = Inbox()
        self.writable: Any = Writable()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # Copied into the scope and read by ``conn.accept`` already.
        event.headers.clear()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and self.request is not None:
            # Sent (or refused): uvicorn never reads them again.
            self.request = self.response = None  # type: ignore[assignment]
            headers = self.scope["headers"]
            if isinstance(headers, list):  # in place: what already reads it sees the same
                headers[:] = [h for h in headers if h[0] not in HANDSHAKE_ONLY]
