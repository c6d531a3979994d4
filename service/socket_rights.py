"""Websocket sessions keep only the rights their staff member still has.

Issue 10: "The viewer is resolved once at connect and kept for the life of
the socket: a revoked token, a deactivated staff member or removed
locations or permissions keep receiving entries. Re-check on the same clock
as HTTP (within ``TOKEN_CACHE_SECONDS``) and end the affected operations (or
the socket, with 4403)."

Once a socket is acknowledged, its token is re-resolved every
``check_interval`` seconds through the process's token cache (the one HTTP
requests use), so a change takes effect on a socket within
``TOKEN_CACHE_SECONDS`` (plus one check interval), as on HTTP. One
``RightsWatch`` per process does it for every open socket: each round
resolves every distinct token once, the ones the cache no longer holds in
one statement, whatever the number of sockets (issue 12: a task per socket
looking its token up alone made 3,000 sockets' re-checks hundreds of token
statements a second, and new sockets connected at 6 a second):

- the token no longer resolves (revoked, staff member deactivated): the
  socket is closed with 4403;
- a location or a permission level was taken away: every operation in
  flight ends with an error (code ``RIGHTS_CHANGED``) and ``complete``, and
  later ones run with the new rights (a client resubscribes, and gets
  ``FORBIDDEN`` if it may no longer read the window). Rights only added
  end nothing (nothing is shown that should not be; an ``editLockState``
  ending would release the lease): operations started later get them;
- the database cannot be reached: nothing changes, the next check retries
  (a blip must not drop every socket).

A ``connection_init`` that fails for any other reason than a refused
credential (the database down) closes the socket with 1013 (try again
later) or 1011, logged once with its error id, never an unanswered drop.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    NextMessage,
)

from domain.viewer import Viewer
from schema.context import Context
from schema.masking import DATABASE_UNAVAILABLE, code_for, database_unavailable, new_error_id
from subscriptions.waits import stop_task

logger = logging.getLogger(__name__)

FORBIDDEN = 4403
TRY_AGAIN_LATER = 1013
INTERNAL_ERROR = 1011
RIGHTS_CHANGED = "RIGHTS_CHANGED"


def check_interval(token_cache_seconds: float) -> float:
    """How often a socket's token is re-resolved: a fraction of the cache's
    lifetime, so a socket sees a change no later than an HTTP request would
    (plus this), and at most once a second when nothing is cached."""
    return min(1.0, max(0.2, token_cache_seconds / 5))


def narrowed(before: Viewer, after: Viewer) -> bool:
    """Whether ``after`` may see or do less than ``before``: a location or a
    permission level taken away (another organisation: everything)."""
    if before.organisation_id != after.organisation_id:
        return True
    if after.location_ids is not None and (
        before.location_ids is None or not before.location_ids <= after.location_ids
    ):
        return True
    return any(not after.level(task).allows(level) for task, level in before.permissions.items())


class ViewerSource(Protocol):
    """The view (``service.app``): a socket's credential, and the process's watch."""

    rights: RightsWatch

    def token_of(self, context: Context) -> str | None: ...


Resolve = Callable[[Sequence[str]], Awaitable[dict[str, Viewer]]]


class RightsWatch:
    """Every acknowledged socket of this process by its token, re-checked
    together every ``interval`` seconds by one task (started with the first
    socket, ended with the last)."""

    def __init__(self, resolve: Resolve, interval: float) -> None:
        self.resolve = resolve  # token -> viewer of each token that still resolves
        self.interval = interval
        self.rounds = 0  # re-checks done (the tests count statements per round)
        self._sockets: dict[str, set[RightsCheckedHandler]] = {}
        # token -> what its sockets were last given: a round whose answer
        # equals it has nothing to do for them (issue 12: comparing every
        # socket's rights every second was a tenth of a process's CPU with
        # 3,000 sockets of 2,000 organisations, in one step of the loop).
        self._checked: dict[str, Viewer] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, token: str, socket: RightsCheckedHandler) -> None:
        self._sockets.setdefault(token, set()).add(socket)
        if self._checked.get(token) != socket.context.viewer:
            self._checked.pop(token, None)  # the next round checks each of them
        if self._task is None or self._task.done():
            # Not in the admitting request's context (its request id in the logs).
            self._task = asyncio.create_task(
                self._run(), name="socket-rights", context=contextvars.Context()
            )

    def discard(self, token: str, socket: RightsCheckedHandler) -> None:
        held = self._sockets.get(token)
        if held is not None:
            held.discard(socket)
            if not held:
                del self._sockets[token]
                self._checked.pop(token, None)

    async def check(self) -> None:
        """One round: every token once, then each socket given what its
        token resolves to now."""
        tokens = list(self._sockets)
        viewers = await self.resolve(tokens)
        self.rounds += 1
        changes = []
        for token in tokens:
            viewer = viewers.get(token)
            if viewer is not None and self._checked.get(token) == viewer:
                continue
            for socket in list(self._sockets.get(token, ())):
                if (change := socket.rights_now(viewer)) is not None:
                    changes.append(change)
            if viewer is not None and token in self._sockets:
                self._checked[token] = viewer
        # Closing a socket or ending its operations sends frames: one slow
        # client must not hold up the others.
        for failed in await asyncio.gather(*changes, return_exceptions=True):
            if isinstance(failed, Exception):
                logger.error("ending a socket's operations failed", exc_info=failed)

    async def _run(self) -> None:
        while self._sockets:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception as error:
                if not database_unavailable(error):
                    logger.exception("re-checking the websockets' tokens failed")

    async def aclose(self) -> None:
        await stop_task(self._task)


class RightsCheckedHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _watched: str | None = None  # the token this socket is watched under

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Exception as error:
            identifier = new_error_id()
            code = code_for(error)
            logger.error(
                "websocket connection_init failed: %s",
                code,
                exc_info=error,
                extra={"error_id": identifier},
            )
            close = TRY_AGAIN_LATER if code == DATABASE_UNAVAILABLE else INTERNAL_ERROR
            await self.websocket.close(code=close, reason=f"{code} (error id {identifier})")
            return
        if self.connection_acknowledged and self._watched is None:
            source: ViewerSource = self.view  # type: ignore[assignment]
            token = source.token_of(self.context)
            if token is not None:
                self._watched = token
                source.rights.add(token, self)

    async def shutdown(self) -> None:
        self.discard_watch()
        await super().shutdown()

    def rights_now(self, viewer: Viewer | None) -> Coroutine[Any, Any, None] | None:
        """What this socket must do now that its token resolves to ``viewer``
        (None: no longer valid): a close or the end of its operations, or
        nothing."""
        if self._watched is None:  # closed meanwhile
            return None
        current = self.context.viewer
        if viewer is None:
            self.discard_watch()
            return self.websocket.close(
                code=FORBIDDEN, reason="Forbidden: the token is no longer valid"
            )
        self.context.viewer = viewer  # what later operations run with
        if current is None or narrowed(current, viewer):
            return self._end_operations()
        return None

    def discard_watch(self) -> None:
        if self._watched is not None:
            source: ViewerSource = self.view  # type: ignore[assignment]
            source.rights.discard(self._watched, self)
            self._watched = None

    async def _end_operations(self) -> None:
        """Every operation in flight ran with the old rights: end each with
        an error the client can act on (subscribe again), then ``complete``."""
        error = GraphQLError(
            "Your permissions or locations changed: subscribe again.",
            extensions={"code": RIGHTS_CHANGED},
        )
        for operation_id in list(self.operations):
            operation = self.operations.get(operation_id)
            if operation is None:  # ended while an earlier one was told
                continue
            operation.completed = True
            # Deregistered and stopped as on the client's ``complete``
            # (a parked one leaves its group: ``service.parked_operations``).
            await self.cleanup_operation(operation_id)
            await self.send_message(
                NextMessage(id=operation_id, type="next", payload={"errors": [error.formatted]})
            )
            await self.send_message(CompleteMessage(id=operation_id, type="complete"))
