"""A websocket client that stops reading is closed, not queued for.

Issue 10: "A client that never reads is closed only by uvicorn's keepalive
after about 40 s, with 4,728 frames queued ... in practice it must resume with
``afterSequence``. Make the code, the docs and the behaviour agree (bounded
per-socket queue, a clear close code, resume documented in the README)."

What a socket may hold on the server is bounded at every step: each of its
operations (at most ``MAX_OPERATIONS_PER_SOCKET``) has one frame in flight,
and waits for it to be sent before it reads its next event; the events it has
not read wait in its broadcast subscription, which is bounded too
(``Broadcaster(queue_size=...)``): past it they are dropped and the
subscriber catches up from the database when it reads again
(``subscriptions.activity``). A client that reads slowly is therefore only
ever behind, never a cost.

A client that does not read at all would hold its frames (and its place in
the kernel's buffers) until uvicorn's keepalive gives up. So when one frame
has waited ``send_timeout`` seconds to be sent, the socket is closed with
``SLOW_CONSUMER`` (1013, "try again later") and what its operations still
send is dropped. The close frame waits behind what the client has not read:
a client that reads again within ``close_grace`` seconds
(``WS_CLOSE_GRACE_SECONDS``, by default ``CLOSE_GRACE_SECONDS``) gets it,
else the connection is dropped (``transport_abort``). The client reconnects and
resubscribes with the last ``sequence`` it saw as ``afterSequence``: the
database replays the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final, Protocol

from starlette.types import Message, Send

logger = logging.getLogger(__name__)

SLOW_CONSUMER: Final = 1013
SLOW_CONSUMER_REASON: Final = "not reading: resubscribe with afterSequence"
CLOSE_GRACE_SECONDS: Final = 10.0  # as long as uvicorn waits for a closing handshake


def transport_abort(send: Send) -> Callable[[], None] | None:
    """The way to drop the connection behind uvicorn's ``send``, if there is one.

    Not part of ASGI: uvicorn's websocket protocols keep their asyncio
    transport on the object ``send`` is a method of. A close frame cannot
    leave while the transport is paused for a peer that does not read, and
    ``transport.close()`` waits for the buffer to drain: only ``abort()``
    lets go of such a peer. None (another server): the handler still ends.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort = getattr(transport, "abort", None)
    return abort if callable(abort) else None


class Flag(Protocol):
    def is_set(self) -> bool: ...


def transport_writable(send: Send) -> Flag | None:
    """The flag uvicorn's websocket protocols set while their transport
    takes writes (cleared while it is paused for a peer that does not read;
    an ``asyncio.Event``, or ``service.ws_protocol.Writable``), if there is
    one. Not part of ASGI, like ``transport_abort``."""
    writable = getattr(getattr(send, "__self__", None), "writable", None)
    return writable if callable(getattr(writable, "is_set", None)) else None


class StalledSocketGuard:
    """One websocket's ``send``, closing the socket when a frame cannot go out in time.

    A frame can only wait while the transport is paused: when ``writable``
    (``transport_writable``) is set, the send goes straight to the transport
    and no timer is armed for it (an ``asyncio.timeout`` per frame was a
    timer scheduled and cancelled per subscriber per event, issue 12)."""

    __slots__ = ("_abort", "_send", "_writable", "close_grace", "closed", "send_timeout")

    def __init__(
        self,
        send: Send,
        send_timeout: float,
        abort: Callable[[], None] | None = None,
        close_grace: float = CLOSE_GRACE_SECONDS,
        writable: Flag | None = None,
    ) -> None:
        self._send = send
        self._abort = abort
        self._writable = writable
        self.send_timeout = send_timeout
        self.close_grace = close_grace
        self.closed = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind != "websocket.send" or self.send_timeout <= 0:
            if kind == "websocket.close":
                if self.closed:
                    return
                self.closed = True
            await self._send(message)
            return
        if self.closed:
            return  # the client was told to resume: nothing more is sent
        if self._writable is not None and self._writable.is_set():
            await self._send(message)  # taken at once: nothing to time
            return
        try:
            async with asyncio.timeout(self.send_timeout):
                await self._send(message)
        except TimeoutError:
            await self._close_stalled()

    async def _close_stalled(self) -> None:
        if self.closed:
            return
        self.closed = True
        logger.warning(
            "closed a websocket that stopped reading (%d): a frame waited %.0f s",
            SLOW_CONSUMER,
            self.send_timeout,
        )
        close = {"type": "websocket.close", "code": SLOW_CONSUMER, "reason": SLOW_CONSUMER_REASON}
        try:
            async with asyncio.timeout(self.close_grace):
                await self._send(close)
        except TimeoutError:
            if self._abort is not None:
                self._abort()
        except Exception:
            pass
