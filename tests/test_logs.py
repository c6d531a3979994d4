"""The log formats: what other modules log with plain ``logging`` stays structured."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from graphql import GraphQLError

from service.logs import REQUEST_ID, JsonFormatter, StrawberryErrors, TextFormatter


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_extra_fields_and_the_request_id_become_json_keys(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    # given a request being served
    token = REQUEST_ID.set("req-1")
    try:
        # when a module logs an error id the way a masking layer would
        logger.error("internal error masked", extra={"error_id": "e-42", "path": "approve"})
    finally:
        REQUEST_ID.reset(token)
    # then the line is one JSON object carrying them
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "internal error masked" and entry["level"] == "error"
    assert entry["error_id"] == "e-42" and entry["path"] == "approve"
    assert entry["request_id"] == "req-1"


def test_an_exception_is_still_one_json_line_with_its_traceback(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    try:
        raise RuntimeError("database went away\nwith a second line")
    except RuntimeError:
        logger.exception("unexpected")
    [line] = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["error"] == "RuntimeError: database went away with a second line"
    assert "Traceback" in entry["traceback"]


def _strawberry_record(error: GraphQLError) -> logging.LogRecord:
    return logging.LogRecord("strawberry.execution", logging.ERROR, __file__, 1, error, (), None)


def test_expected_graphql_errors_leave_strawberrys_log_and_unexpected_ones_stay_short() -> None:
    only = StrawberryErrors()
    # a missing token, raised on purpose, is reported by the operation's own line
    unauthenticated = GraphQLError("Sign in.", extensions={"code": "UNAUTHENTICATED"})
    raised = GraphQLError("Sign in.", path=["me"], original_error=unauthenticated)
    assert not only.filter(_strawberry_record(raised))
    # an invalid document likewise
    assert not only.filter(_strawberry_record(GraphQLError("Cannot query field 'x'.")))
    # a bug is kept, as its message and path, with the exception attached
    cause = KeyError("k")
    bug = GraphQLError("boom", path=["approveActivity"], original_error=cause)
    record = _strawberry_record(bug)
    record.exc_info = (KeyError, cause, None)
    assert only.filter(record)
    assert record.getMessage() == "boom" and record.__dict__["path"] == "approveActivity"


def test_the_dev_format_is_one_readable_line() -> None:
    record = logging.LogRecord(
        "service.telemetry", logging.INFO, __file__, 1, "query me ok", (), None
    )
    record.__dict__.update(outcome="ok", operation_name="My Window")
    line = TextFormatter().format(record)
    assert "\n" not in line
    assert "INFO  service.telemetry  query me ok" in line
    assert 'outcome=ok operation_name="My Window"' in line
