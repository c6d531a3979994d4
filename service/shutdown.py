"""Graceful shutdown: on SIGTERM close every websocket with 1001, then let uvicorn stop.

Told to exit, uvicorn stops listening, drops websockets with 1012 at once,
waits for the HTTP requests in flight (``--timeout-graceful-shutdown``, then
cancels them: their units of work roll back) and runs the lifespan shutdown.
So this process, on the first SIGTERM or SIGINT, first closes its own
websockets with 1001 ("going away"), refuses new ones and reports not ready,
waits briefly for the clients' closing handshakes, and only then hands the
signal to uvicorn's handler. A client seeing 1001 reconnects (to another
process, through the load balancer) and resubscribes with ``afterSequence``:
the database replays what it missed. A second signal goes to uvicorn at once.

The hook is installed by the app's lifespan in the main thread, over the
handler uvicorn put there, and removed again at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, Final

from starlette.types import Message, Send

logger = logging.getLogger(__name__)

GOING_AWAY: Final = 1001
SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)
Handler = Callable[[int, FrameType | None], Any]


class LiveSocket:
    """One websocket's ``send``, which the drain can close from outside the app."""

    __slots__ = ("_send", "closed", "closing")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.closing = False  # we sent 1001: drop what the app still sends
        self.closed = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if self.closing and kind in ("websocket.send", "websocket.close"):
            return
        if kind == "websocket.close":
            self.closed = True
        await self._send(message)

    async def going_away(self) -> None:
        if self.closed or self.closing:
            return
        self.closing = True
        with contextlib.suppress(Exception):  # the client may be gone already
            await self._send({"type": "websocket.close", "code": GOING_AWAY, "reason": "restart"})
        self.closed = True


class Drain:
    """This process's open websockets, and the SIGTERM hook that closes them."""

    def __init__(self, grace_seconds: float = 5.0) -> None:
        self.grace_seconds = grace_seconds
        self.sockets: set[LiveSocket] = set()
        self.draining = False
        self._installed: dict[int, Handler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._gone = asyncio.Event()

    def install(self) -> None:
        """Put the hook over the handlers uvicorn installed (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for number in SIGNALS:
            previous = signal.getsignal(number)
            if callable(previous):  # someone (uvicorn) stops on it: go first
                self._installed[number] = previous
                signal.signal(number, functools.partial(self._signalled, loop, previous))

    def uninstall(self) -> None:
        for number, previous in self._installed.items():
            signal.signal(number, previous)
        self._installed.clear()

    def _signalled(
        self,
        loop: asyncio.AbstractEventLoop,
        previous: Handler,
        number: int,
        frame: FrameType | None,
    ) -> None:
        if self.draining:  # the second signal: no more waiting
            previous(number, frame)
            return
        self.draining = True
        loop.call_soon_threadsafe(self._start, self.close_sockets, lambda: previous(number, None))

    def _start(self, drain: Callable[[], Awaitable[None]], then: Callable[[], None]) -> None:
        async def run() -> None:
            try:
                await drain()
            finally:
                then()

        task = asyncio.get_running_loop().create_task(run(), name="drain-websockets")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close_sockets(self) -> None:
        """Close every websocket with 1001 and wait (a few seconds at most)
        until their handlers are done."""
        self.draining = True
        sockets = list(self.sockets)
        if not sockets:
            return
        logger.info(
            "closing %d websocket(s) with %d before stopping",
            len(sockets),
            GOING_AWAY,
            extra={"websockets": len(sockets)},
        )
        closing = [asyncio.create_task(s.going_away()) for s in sockets]
        self._gone.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.grace_seconds):
                await asyncio.gather(*closing)
                while self.sockets:
                    await self._gone.wait()
                    self._gone.clear()
        for task in closing:
            task.cancel()

    def opened(self, socket: LiveSocket) -> None:
        self.sockets.add(socket)

    def closed(self, socket: LiveSocket) -> None:
        self.sockets.discard(socket)
        self._gone.set()
