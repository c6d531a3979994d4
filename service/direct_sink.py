"""A live operation's frames written straight to uvicorn's websocket protocol.

Issue 12 (fan-out): a delivered frame went through strawberry's
``send_json``, starlette's ``WebSocket.send``, our stalled-socket guard and
drain record, then uvicorn's ``send`` (which awaits its writable flag), about
a third of the ~420 Python calls per frame. ``subscriptions.direct`` writes
a caught-up subscriber's frame from its group's task in one synchronous loop,
so the frame goes where uvicorn's own ``send`` puts it (``conn.send_text``,
then ``transport.write``) with the same checks, and never waits: a socket
that cannot take a frame at once (its transport paused above the high-water
mark for a client that does not read, closing, or told 1013 or 1001 by the
guard or the drain) refuses it, and the subscriber goes back to the ordinary
path, where the guard times its wait (``service.backpressure``).

Not ASGI: uvicorn's sans-I/O protocol is the object ``send`` is a method of
(``transport_abort`` reads it the same way). Any other server: no sink,
every frame takes the ordinary path.
"""

from __future__ import annotations

import contextvars
import json
from typing import TYPE_CHECKING, Any, Final, Protocol

from starlette.types import Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState, ProtocolError
from websockets.protocol import OPEN

from service.backpressure import StalledSocketGuard
from service.shutdown import LiveSocket

if TYPE_CHECKING:
    from subscriptions.direct import Member

# Where a socket's ``DirectSocket`` is kept: its ASGI scope (one per socket).
DIRECT_SOCKET: Final = "online_activity.direct_socket"


class DirectSocket:
    """One websocket's synchronous text write, or a refusal."""

    __slots__ = ("_guard", "_live", "_protocol")

    def __init__(
        self, protocol: WebSocketsSansIOProtocol, live: LiveSocket, guard: StalledSocketGuard
    ) -> None:
        self._protocol = protocol
        self._live = live
        self._guard = guard

    def write_next(self, prefix: str, data_text: str, frames: dict[str, bytes]) -> bool:
        """Send ``<prefix><data_text>}}``. ``frames`` holds the serialized
        frames of this ``data_text`` by prefix: subscribers whose operation
        ids are the same share one (its bytes are what ``conn.send_text``
        makes for a server's unmasked, unfragmented frame; not with an
        extension, permessage-deflate keeps per-connection state)."""
        live = self._live
        if live.closing or live.closed or self._guard.closed:
            return False  # told 1001 or 1013, or closed by the app: nothing more
        protocol = self._protocol
        if protocol.close_sent or protocol.disconnected or not protocol.writable.is_set():
            return False
        transport = protocol.transport
        if transport.is_closing():
            return False
        conn = protocol.conn
        if conn.state is not OPEN:  # the client started the closing handshake
            return False
        if not conn.extensions and not conn.writes:
            frame = frames.get(prefix)
            if frame is None:
                frame = frames[prefix] = text_frame(f"{prefix}{data_text}}}}}")
            transport.write(frame)
            return True
        try:
            conn.send_text(f"{prefix}{data_text}}}}}".encode())
        except (InvalidState, ProtocolError):
            return False
        transport.write(b"".join(conn.data_to_send()))
        return True


def text_frame(text: str) -> bytes:
    """A server's unmasked, final text frame carrying ``text`` (RFC 6455 5.2)."""
    data = text.encode()
    length = len(data)
    if length < 126:
        head = bytes((0x81, length))
    elif length < 65536:
        head = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return head + data


def direct_socket(send: Send, live: LiveSocket, guard: StalledSocketGuard) -> DirectSocket | None:
    """The direct write behind uvicorn's ``send``, if it is uvicorn's sans-I/O protocol."""
    protocol = getattr(send, "__self__", None)
    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    return DirectSocket(protocol, live, guard)


class OperationHost(Protocol):
    """The socket's handler an operation's sink reports to (``service.parked_operations``)."""

    operations: dict[str, Any]

    def operation_parked(self, operation: Any, member: Member) -> None: ...

    def resume_operation(
        self, operation: Any, member: Member, replay: bool, sink: OperationSink
    ) -> None: ...


class OperationSink:
    """One graphql-transport-ws operation's ``next`` frames on its socket
    (``subscriptions.direct.FrameSink``); refused once the operation has
    ended (the client's ``complete``, its rights narrowed), as strawberry
    sends nothing for an operation it no longer holds.

    One per run of the operation (``service.parked_operations``):
    ``has_parked`` once that run's subscription parked. What the runs share
    is carried from one to the next (``next_run``): the context the first
    run started from, and the operation's ``telemetry`` record."""

    __slots__ = (
        "_host",
        "_id",
        "_prefix",
        "_socket",
        "context",
        "has_parked",
        "operation",
        "telemetry",
    )

    def __init__(
        self,
        socket: DirectSocket,
        host: OperationHost,
        operation: Any,
        context: contextvars.Context,
        telemetry: object | None = None,
        prefix: str | None = None,
    ) -> None:
        self._socket = socket
        self._host = host
        self.operation = operation
        self.context = context
        self.telemetry = telemetry
        self._id = operation.id
        self.has_parked = False
        if prefix is None:
            # Byte for byte strawberry's frame (``schema.frames.spliced_next_frame``).
            encoded = json.dumps(operation.id, separators=(",", ":"))
            prefix = f'{{"id":{encoded},"type":"next","payload":{{"data":'
        self._prefix = prefix

    def write(self, data_text: str, frames: dict[str, bytes]) -> bool:
        if self._host.operations.get(self._id) is not self.operation:
            return False
        return self._socket.write_next(self._prefix, data_text, frames)

    def parked(self, member: Member) -> None:
        self.has_parked = True
        self._host.operation_parked(self.operation, member)

    def resume(self, member: Member, replay: bool) -> None:
        self._host.resume_operation(self.operation, member, replay, self.next_run())

    def next_run(self) -> OperationSink:
        """The sink of the operation's next run."""
        return OperationSink(
            self._socket, self._host, self.operation, self.context, self.telemetry, self._prefix
        )
