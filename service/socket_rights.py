"""Websocket sessions keep only the rights their staff member still has.

Issue 10: "The viewer is resolved once at connect and kept for the life of
the socket: a revoked token, a deactivated staff member or removed
locations or permissions keep receiving entries. Re-check on the same clock
as HTTP (within ``TOKEN_CACHE_SECONDS``) and end the affected operations (or
the socket, with 4403)."

Once a socket is acknowledged, ``RightsCheckedHandler`` re-resolves its
token every ``check_interval`` seconds through the process's token cache
(the one HTTP requests use), so a change takes effect on a socket within
``TOKEN_CACHE_SECONDS`` (plus one check interval), as on HTTP:

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
import contextlib
import logging
import random
from typing import Protocol

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
    """The view: resolves a socket's credential again (``service.app``)."""

    token_cache_seconds: float

    async def current_viewer(self, context: Context) -> Viewer | None: ...


class RightsCheckedHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _watch: asyncio.Task[None] | None = None

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
        if self.connection_acknowledged and self._watch is None:
            self._watch = asyncio.create_task(self._watch_rights(), name="socket-rights")

    async def shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
        await super().shutdown()

    async def _watch_rights(self) -> None:
        source: ViewerSource = self.view  # type: ignore[assignment]
        interval = check_interval(source.token_cache_seconds)
        while True:
            # (jittered: sockets that connected together do not all wake together)
            await asyncio.sleep(interval * (0.5 + random.random() / 2))
            try:
                viewer = await source.current_viewer(self.context)
            except Exception as error:
                if not database_unavailable(error):
                    logger.exception("re-checking a websocket's token failed")
                continue
            current = self.context.viewer
            if viewer is None:
                await self.websocket.close(
                    code=FORBIDDEN, reason="Forbidden: the token is no longer valid"
                )
                return
            self.context.viewer = viewer  # what later operations run with
            if current is None or narrowed(current, viewer):
                await self._end_operations()

    async def _end_operations(self) -> None:
        """Every operation in flight ran with the old rights: end each with
        an error the client can act on (subscribe again), then ``complete``."""
        error = GraphQLError(
            "Your permissions or locations changed: subscribe again.",
            extensions={"code": RIGHTS_CHANGED},
        )
        for operation_id in list(self.operations):
            operation = self.operations.pop(operation_id)
            operation.completed = True
            if operation.task is not None:
                operation.task.cancel()
            await self.send_message(
                NextMessage(id=operation_id, type="next", payload={"errors": [error.formatted]})
            )
            await self.send_message(CompleteMessage(id=operation_id, type="complete"))
