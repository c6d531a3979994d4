"""Internal errors never reach clients (issue 10).

"Bad input gets a typed error and changes nothing; internals are never shown
to a client." An error the server did not mean to raise (an exception from a
resolver that is not itself a GraphQL error: a database failure, a bug) is
shown to the client as one masked error, and logged once with its traceback,
under the same error id:

    {"message": "Internal error: the server could not complete this request
     (error id 3f9c...).", "extensions": {"code": "INTERNAL",
     "errorId": "3f9c..."}}

A database that cannot be reached is the same, with code
``DATABASE_UNAVAILABLE`` (retry later). Errors raised on purpose (a missing
token: ``UNAUTHENTICATED``) and refused documents pass unchanged.

The id is given when strawberry first processes the error
(``MaskingSchema.process_errors``, before it logs it and before any extension
sees it): the log record (``service.logs`` adds ``error_id``) and the masked
error (``MaskInternalErrors``, strawberry's ``MaskErrors`` with our rule and
message) carry the same one, and an error processed twice (subscribers
sharing one execution) is logged once.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from schema.extension_hooks import LeanExtensionsRunner

logger = logging.getLogger(__name__)

ERROR_ID = "errorId"
INTERNAL_ERROR = "INTERNAL"
DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


def unexpected(error: GraphQLError) -> bool:
    """An error the server did not mean to raise: an exception from a
    resolver (or a hook) that is not itself a GraphQL error. Errors raised on
    purpose and refused documents are expected: their original error is None
    or a ``GraphQLError``, or, outside any field (no ``path``), the
    ``ValueError``/``TypeError`` a scalar raised on a literal it refused."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not (error.path is None and type(original) in (ValueError, TypeError))


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


# SQLite's answers for a file it cannot use now (locked by another process,
# gone, unreadable), as opposed to a statement it refuses.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def _sqlite_unavailable(error: OperationalError) -> bool:
    return any(text in str(error.orig) for text in _SQLITE_UNAVAILABLE)


def database_unavailable(error: BaseException) -> bool:
    """The database could not be reached or answered nothing in time (not a
    refused statement): the request may succeed if retried later."""
    for cause in _causes(error):
        if isinstance(
            cause,
            OSError | TimeoutError | PoolTimeout | DisconnectionError | InterfaceError,
        ):
            return True
        if isinstance(cause, OperationalError) and (
            cause.connection_invalidated or _sqlite_unavailable(cause)
        ):
            return True
        if type(cause).__module__.startswith("asyncpg") and (
            "Connection" in type(cause).__name__ or "CannotConnect" in type(cause).__name__
        ):
            return True
    return False


def new_error_id() -> str:
    return secrets.token_hex(8)


def error_id(error: GraphQLError) -> str | None:
    found = (error.extensions or {}).get(ERROR_ID)
    return found if isinstance(found, str) else None


def code_for(error: BaseException | None) -> str:
    if error is not None and database_unavailable(error):
        return DATABASE_UNAVAILABLE
    return INTERNAL_ERROR


def client_message(code: str, identifier: str) -> str:
    if code == DATABASE_UNAVAILABLE:
        return f"The database is unavailable; retry shortly (error id {identifier})."
    return f"Internal error: the server could not complete this request (error id {identifier})."


def client_error(code: str, identifier: str) -> dict[str, Any]:
    """A masked error as JSON, for responses made outside GraphQL execution."""
    return {
        "message": client_message(code, identifier),
        "extensions": {"code": code, ERROR_ID: identifier},
    }


class MaskingSchema(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        """Exit stacks that keep less for an open subscription (schema/extension_hooks.py)."""
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Give every unexpected error its id, then log each once (strawberry
        logs them on ``strawberry.execution``; service.logs keeps only these)."""
        fresh: list[GraphQLError] = []
        for error in errors:
            if unexpected(error):
                if error_id(error) is not None:
                    continue  # logged already (a shared execution's error)
                error.extensions = {**(error.extensions or {}), ERROR_ID: new_error_id()}
            fresh.append(error)
        super().process_errors(fresh, execution_context)


class MaskInternalErrors(MaskErrors):
    """Unexpected errors become ``INTERNAL`` (or ``DATABASE_UNAVAILABLE``)
    with their error id; expected ones pass as they are."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        identifier = error_id(error)
        if identifier is None:  # not processed by the schema: log it here, once
            identifier = new_error_id()
            logger.error(
                error.message,
                exc_info=error.original_error,
                extra={"error_id": identifier},
            )
        code = code_for(error.original_error)
        return GraphQLError(
            message=client_message(code, identifier),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code, ERROR_ID: identifier},
        )
