"""Operations whose subscription is parked keep no task on their socket.

Issue 12: "memory per idle subscriber <= 25 KiB (2x a bare websockets
connection)". A caught-up ``activityEvents`` subscriber is delivered to by
its group (``subscriptions.direct``); its own task only waited, and kept for
the socket's life what a running operation holds: strawberry's task and
stream, graphql-core's subscription iterator and execution, the extension
hooks' context managers, the resolver's and the feed's generators, and the
weak references asyncio keeps to each async generator (``python -m
bench.idle_memory``: ~15 KiB of a socket's 32 KiB heap).

So when a run's feed parks, the run ends without ending the operation: no
``complete`` is sent, strawberry keeps the operation registered (its id is
taken, ``complete`` finds it, the per-socket operation cap counts it), its
task is gone, and its member record, feed and open subscription live in the
group. Released (its socket did not take a frame at once, a hole, a
resync, the broadcaster's end), the operation runs again in a new task from
the socket's context, and its resolver follows the same feed from its
cursor (``subscriptions.direct.RESUMED``): replay, then the inbox, as the
old task did when its wait returned. Ended while parked (the client's
``complete``, the socket closing, narrowed rights: every path goes through
``cleanup_operation``), it leaves its group and closes its subscription.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)

from schema.context import Context
from schema.execution import subscription_executor
from schema.telemetry import subscription_ended
from service.direct_sink import DIRECT_SOCKET, DirectSocket, OperationSink
from subscriptions.direct import FRAME_SINK, RESUMED, Member

# Feeds of operations that ended between their release and their next run:
# their subscriptions close in the background (kept here until done).
_CLOSING: set[asyncio.Task[None]] = set()

# The parked operations of this process, with their members. Here rather
# than on each socket's handler: an attribute more on the handler grew its
# instance dict past a resize on every socket (~0.6 KiB).
_PARKED: dict[Operation[Context, None], Member] = {}


class ParkingHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws operations that may park (see the module)."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """An operation's run, with its frame sink for direct delivery in its
        context (none when the server is not uvicorn's sans-I/O protocol).
        A resumed run finds its sink set already (``resume_operation``)."""
        sink = FRAME_SINK.get()
        if not (isinstance(sink, OperationSink) and sink.operation is operation):
            scope: dict[str, Any] = getattr(self.context.request, "scope", {})
            socket = (scope.get("extensions") or {}).get(DIRECT_SOCKET)
            sink = None
            if isinstance(socket, DirectSocket):
                sink = OperationSink(socket, self, operation, contextvars.copy_context())
            FRAME_SINK.set(sink)  # this task's own context: no reset needed
        try:
            await super().run_operation(operation)
        finally:
            executor = subscription_executor()
            if executor is not None:
                executor.finished()

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: StreamResult
    ) -> None:
        await super()._send_result_stream(operation, result_source)
        sink = FRAME_SINK.get()
        if isinstance(sink, OperationSink) and sink.has_parked:
            # The stream ended because its feed parked: the operation goes on.
            if operation.task is asyncio.current_task():
                operation.task = None
            raise _OperationStreamClosed  # strawberry's run ends with no complete

    def operation_parked(self, operation: Operation[Context, None], member: Member) -> None:
        _PARKED[operation] = member

    def resume_operation(
        self,
        operation: Operation[Context, None],
        member: Member,
        replay: bool,
        sink: OperationSink,
    ) -> None:
        """``member`` was released: its operation's next run, with ``sink``,
        follows its feed, in a copy of the context its first run started from."""
        if _PARKED.get(operation) is member:
            del _PARKED[operation]
        loop = asyncio.get_running_loop()
        if self.operations.get(operation.id) is not operation:
            closing = loop.create_task(member.feed.stop())
            _CLOSING.add(closing)
            closing.add_done_callback(_CLOSING.discard)
            return
        context = sink.context.copy()
        context.run(RESUMED.set, member.resumption(replay))
        context.run(FRAME_SINK.set, sink)
        task = loop.create_task(self.run_operation(operation), context=context)
        task.add_done_callback(self._task_done)
        operation.task = task

    async def cleanup_operation(self, operation_id: str) -> None:
        """strawberry's, for a parked operation too: out of its group, its
        subscription closed."""
        operation = self.operations.get(operation_id)
        if operation is None:
            return
        member = _PARKED.pop(operation, None)
        if operation.task is None:
            del self.operations[operation_id]
        else:
            await super().cleanup_operation(operation_id)
        if member is not None:
            # Its last run ended without reporting it: reported now, as its end.
            subscription_ended(self.context, member.delivery.sink.telemetry)
            await member.end()


def parked_operations() -> int:
    """Operations parked on this process (tests)."""
    return len(_PARKED)
