"""One log line and the metrics of every GraphQL operation (schema/telemetry.py).

The line names the operation (kind, root field, the client's name), its
duration and outcome, and carries the request id of the HTTP request or
websocket (service/logs.py). An expected error (a missing token, a refused
document) is that one line with its code as the outcome; an unexpected one
is also logged with its traceback, once, by whoever handles it.
"""

from __future__ import annotations

import logging

from schema.masking import DATABASE_UNAVAILABLE
from schema.telemetry import INTERNAL, Operation
from service.metrics import Metrics

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 200
# Outcomes that are the server's failure, not the client's (schema/masking.py).
FAILED = frozenset({INTERNAL, DATABASE_UNAVAILABLE})


class Telemetry:
    """What ``OperationTelemetry`` reports goes to the log and to ``metrics``."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def subscription_started(self, operation: Operation) -> None:
        self.metrics.subscription_started(operation.field)

    def operation_finished(self, operation: Operation, *, subscribed: bool) -> None:
        self.metrics.operation_finished(
            operation.kind,
            operation.field,
            operation.outcome,
            operation.seconds,
            subscribed=subscribed,
        )
        level = logging.WARNING if operation.outcome in FAILED else logging.INFO
        if not logger.isEnabledFor(level):
            return
        fields: dict[str, object] = {
            "operation": operation.field,
            "operation_type": operation.kind,
            "operation_name": (operation.name or "")[:100] or None,
            "duration_ms": round(operation.seconds * 1000, 1),
            "outcome": operation.outcome,
        }
        # A failure's message and error id are in its own record (schema/masking.py).
        if operation.errors and operation.outcome not in FAILED:
            fields["error"] = " ".join(operation.errors[0].message.split())[:MESSAGE_LIMIT]
        shown = operation.name or operation.field
        logger.log(
            level,
            "%s %s %s in %.1f ms",
            operation.kind,
            shown[:100],
            operation.outcome,
            fields["duration_ms"],
            extra=fields,
        )
