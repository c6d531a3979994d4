"""Structured logs: one JSON object per line in production, readable lines in dev.

Every record carries what it was logged with: ``logger.info("...", extra={...})``
fields become JSON keys (or ``key=value`` in dev), so other modules log with
plain ``logging`` and stay structured. A record logged while a request or a
websocket is served also carries its ``request_id``.

Expected GraphQL errors (a missing token, an invalid document) are not
logged by strawberry's ``strawberry.execution`` logger with a traceback each:
the operation's own line names them (``outcome``, ``service.telemetry``).
Only unexpected ones are kept, as one record with the exception attached
and the ``error_id`` the client was given (schema/masking.py).
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

from graphql import GraphQLError

from schema.masking import error_id, unexpected

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the HTTP request or websocket being served (``X-Request-ID``)."""

LOG_FORMATS: Final = ("json", "text")

# Attributes every LogRecord has: anything else on a record came from ``extra``.
_RECORD_ATTRIBUTES: Final = frozenset(
    {*vars(logging.makeLogRecord({})), "message", "asctime", "taskName"}
)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a record was logged with (``extra=``), plus the request id."""
    fields = {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }
    request_id = REQUEST_ID.get()
    if request_id is not None:
        fields.setdefault("request_id", request_id)
    return fields


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...extra, "error", "traceback"}``, one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(extra_fields(record))
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = _one_line(record.exc_info[1])
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``09:41:07.123 INFO  service.telemetry  message  key=value ...`` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        clock = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        line = f"{clock} {record.levelname:<5} {record.name}  {record.getMessage()}"
        fields = extra_fields(record)
        if fields:
            line += "  " + " ".join(f"{key}={_text(value)}" for key, value in fields.items())
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + record.stack_info
        return line


def _text(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return json.dumps(text) if not text or any(c.isspace() for c in text) else text


class StrawberryErrors(logging.Filter):
    """On ``strawberry.execution``: drop expected errors (the operation's
    line reports them), and make an unexpected one a one-line message with
    its exception attached (one JSON line in production)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError):
            return True
        if not unexpected(error):
            return False
        record.msg, record.args = error.message, ()
        identifier = error_id(error)
        if identifier is not None:  # the masked error the client got names it too
            record.__dict__.setdefault("error_id", identifier)
        if error.path:
            record.__dict__.setdefault("path", ".".join(str(key) for key in error.path))
        return True


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the process: our formatter on
    stderr for every logger, uvicorn's included (``uvicorn.run(log_config=...)``)."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": {"()": f"{__name__}.{formatter.__name__}"}},
        "filters": {"strawberry_errors": {"()": f"{__name__}.StrawberryErrors"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "strawberry.execution": {"filters": ["strawberry_errors"]},
            # uvicorn's own loggers: through ours, one format per process.
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
        },
    }


def configure_logging(log_format: str, level: str) -> None:
    """Structured logs for this process, unless something (uvicorn's
    ``--log-config``, pytest) already put a handler on the root logger.
    Expected GraphQL errors are kept out of the log either way."""
    strawberry = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, StrawberryErrors) for f in strawberry.filters):
        strawberry.addFilter(StrawberryErrors())
    if logging.getLogger().handlers:
        return
    config = logging_config(log_format, level)
    del config["loggers"]  # uvicorn configured its own loggers already
    logging.config.dictConfig(config)
