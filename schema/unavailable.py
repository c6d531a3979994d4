"""A request the database could not serve in time gets a coded error, not a hang.

Issue 10: "answer 503 with ``Retry-After`` rather than hang when a write
cannot start in time", and a frozen database must not "hang every request
for as long as it is frozen". ``models.db.Database`` raises ``DatabaseBusy``
when a connection, a lock or a statement takes longer than its bound; here
each such error becomes ``DATABASE_UNAVAILABLE`` with ``retryAfter`` (seconds) in its
extensions, and the HTTP response carries ``Retry-After``. A portal call
(``recordPortalEvent`` with the portal key) is answered with HTTP 503, as a
machine client expects; a staff request keeps HTTP 200 with the coded error,
like every other GraphQL error. Nothing was committed: retrying is safe (a
portal event's idempotency key makes a retry record it once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Final

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from models.db import DatabaseBusy, busy_reason
from schema.masking import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

UNAVAILABLE: Final = DATABASE_UNAVAILABLE  # the one code for "retry later" (schema.masking)


def busy_cause(error: BaseException | None, retry_after: int) -> DatabaseBusy | None:
    """The busy database behind ``error``, if that is what it is: raised as
    ``DatabaseBusy`` by a session's block, or the driver's own error when
    the statement ran in a request's shared session."""
    while error is not None:
        if isinstance(error, DatabaseBusy):
            return error
        reason = busy_reason(error)
        if reason is not None:
            return DatabaseBusy(reason, retry_after)
        error = getattr(error, "original_error", None) or error.__cause__
    return None


def unavailable_error(busy: DatabaseBusy, error: GraphQLError | None = None) -> GraphQLError:
    return GraphQLError(
        f"The server is busy ({busy}): nothing was changed; try again in {busy.retry_after} s.",
        nodes=error.nodes if error else None,
        path=error.path if error else None,
        extensions={"code": UNAVAILABLE, "retryAfter": busy.retry_after},
    )


def answer_unavailable(response: Any, busy: DatabaseBusy, *, portal: bool) -> None:
    """Set the HTTP answer (a starlette sub-response) for a busy database."""
    if response is None or not hasattr(response, "headers"):
        return  # a websocket: the coded error is the answer
    response.headers["Retry-After"] = str(busy.retry_after)
    if portal:
        response.status_code = 503


class DatabaseUnavailable(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        worst: DatabaseBusy | None = None
        errors = []
        context = self.execution_context.context
        services = getattr(context, "services", None)
        retry_after = getattr(getattr(services, "database", None), "retry_after", 1)
        for error in result.errors:
            busy = busy_cause(error.original_error, retry_after)
            if busy is None:
                errors.append(error)
                continue
            worst = busy
            errors.append(unavailable_error(busy, error))
        if worst is None:
            return
        result.errors = errors
        logger.warning("answered %s: %s", UNAVAILABLE, worst)
        answer_unavailable(
            getattr(context, "response", None),
            worst,
            portal=getattr(context, "portal", None) is not None,
        )
