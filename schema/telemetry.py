"""Each operation's kind, root field, duration and outcome, for logs and metrics.

``OperationTelemetry`` only times the whole operation and reads its result
once (no per-field hook: the server is benchmarked), then hands an
``Operation`` to the observer the request context names
(``context.services.telemetry``, see service/telemetry.py). A subscription is
one operation from subscribe to its end, however many runs it takes (a
parked subscription's runs, ``subscriptions.direct``); the observer hears of
its start too, to count the subscriptions open.

Labels stay bounded whatever a client sends: ``field`` is a root field of
the schema (or ``multiple``, ``unknown``), ``outcome`` is ``ok`` or an error
code the server chose. The client's own operation name is for the logs only.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from typing import Any, Protocol

from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from subscriptions.direct import FRAME_SINK

# Outcomes of operations whose first error has no code of ours.
INVALID = "INVALID"  # the document or its variables were refused (parse, validation)
INTERNAL = "INTERNAL"  # an unexpected exception in a resolver
ERROR = "ERROR"  # a GraphQL error raised on purpose without a code
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,39}")


@dataclasses.dataclass(slots=True)
class Operation:
    kind: str  # query | mutation | subscription | unknown
    field: str  # the root field, "multiple" or "unknown"
    name: str | None  # the client's operation name (logs only: unbounded)
    seconds: float = 0.0
    outcome: str = "ok"
    # When it started (``time.perf_counter``): a subscription's runs share it.
    started: float = 0.0
    errors: list[GraphQLError] = dataclasses.field(default_factory=list)


class OperationObserver(Protocol):
    def subscription_started(self, operation: Operation) -> None: ...

    def operation_finished(self, operation: Operation, *, subscribed: bool) -> None: ...


def outcome(errors: list[GraphQLError] | None) -> str:
    """``ok``, or the first error's code (UNAUTHENTICATED, ...), or what kind
    of error it was when it has none."""
    if not errors:
        return "ok"
    error = errors[0]
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and _CODE.fullmatch(code):
        return code
    if error.original_error is None:
        return INVALID
    return ERROR if isinstance(error.original_error, GraphQLError) else INTERNAL


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class OperationTelemetry(SchemaExtension):
    def _observer(self) -> OperationObserver | None:
        services = getattr(self.execution_context.context, "services", None)
        observer: OperationObserver | None = getattr(services, "telemetry", None)
        return observer

    def _describe(self) -> Operation:
        context = self.execution_context
        document = context.graphql_document
        definition = None if document is None else _operation(document, context.operation_name)
        if definition is None:
            return Operation("unknown", "unknown", context.operation_name)
        kind = definition.operation.value
        root = context.schema._schema.get_root_type(definition.operation)
        names = {
            selection.name.value
            for selection in definition.selection_set.selections
            if isinstance(selection, FieldNode) and selection.name.value != "__typename"
        }
        if len(names) > 1:
            label = "multiple"
        elif names and root is not None and (only := names.pop()) in root.fields:
            label = only
        else:
            label = "unknown"
        return Operation(kind, label, context.operation_name)

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        self._started = started
        self._subscribed: Operation | None = None
        try:
            yield
        finally:
            sink = FRAME_SINK.get()
            observer = self._observer()
            if sink is not None and sink.has_parked and self._subscribed is not None:
                pass  # this run parked: the subscription goes on (``subscription_ended``)
            elif observer is not None:
                operation = self._subscribed or self._describe()
                begun = started if self._subscribed is None else self._subscribed.started
                operation.seconds = time.perf_counter() - begun
                result = self.execution_context.result
                errors = result.errors if result is not None else None
                errors = errors or self.execution_context.pre_execution_errors
                if result is None and not errors and operation.kind == "unknown":
                    operation.outcome = INVALID  # no document strawberry could run
                else:
                    operation.outcome = outcome(errors)
                operation.errors = list(errors or ())
                observer.operation_finished(operation, subscribed=self._subscribed is not None)

    def on_validate(self) -> Iterator[None]:
        # Counted once the document is valid, where execution starts: not in
        # ``on_execute``, whose generator a subscription would keep for its
        # whole life (issue 12, memory per idle subscriber).
        yield
        context = self.execution_context
        if (
            context.graphql_document is not None
            and not context.pre_execution_errors
            and context.operation_type is OperationType.SUBSCRIPTION
        ):
            # A subscription parked and resumed (``subscriptions.direct``)
            # runs again: one subscription, counted once, from its first run.
            sink = FRAME_SINK.get()
            kept = None if sink is None else sink.telemetry
            if isinstance(kept, Operation):
                self._subscribed = kept
                return
            observer = self._observer()
            if observer is not None:
                self._subscribed = self._describe()
                self._subscribed.started = self._started
                observer.subscription_started(self._subscribed)
                if sink is not None:
                    sink.telemetry = self._subscribed


def subscription_ended(context: object, record: object | None) -> None:
    """A subscription ended while parked (``subscriptions.direct``: its last
    run ended when it parked, unreported): reported as a run's end is, to the
    observer of ``context``, from its first run's start, outcome ``ok``."""
    services = getattr(context, "services", None)
    observer: OperationObserver | None = getattr(services, "telemetry", None)
    if observer is None or not isinstance(record, Operation):
        return
    record.seconds = time.perf_counter() - record.started
    record.outcome = "ok"
    record.errors = []
    observer.operation_finished(record, subscribed=True)
