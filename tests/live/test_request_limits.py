"""HTTP bodies and input lists have limits, with clear answers (issue 10).

Against the suite's real uvicorn processes. Before these limits a body
nested 100,000 deep was an HTTP 500, a 30 MB body was read whole and a
filter of 200,000 types was coerced item by item.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx

from schema.input_limits import MAX_INPUT_LIST, TOO_LONG
from service.request_limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, REQUEST_TOO_LARGE
from tests.live.client import LiveSocket
from tests.live.servers import Server
from tests.support import World

WINDOW = """query Window($filter: ActivityFilter) {
  onlineActivity(filter: $filter, first: 1) { __typename }
}"""


def _post(server: Server, content: bytes, token: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.http}/graphql", content=content, headers=headers, timeout=30)


def _window(types: list[str]) -> bytes:
    return json.dumps({"query": WINDOW, "variables": {"filter": {"types": types}}}).encode()


def _errors(response: httpx.Response) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def test_a_body_larger_than_the_limit_is_refused_with_413(server_a: Server, world: World) -> None:
    body = _window(["DROP"] * 200_000)  # the filter: about 1.6 MB
    assert len(body) > MAX_BODY_BYTES

    response = _post(server_a, body, world.riverside.full)

    assert response.status_code == 413
    [error] = _errors(response)
    assert error["extensions"] == {"code": REQUEST_TOO_LARGE, "maximum": MAX_BODY_BYTES}
    assert "larger than 1024 KiB" in error["message"]

    thirty_mb = b'{"query": "{ __typename }", "pad": "' + b"x" * 30_000_000 + b'"}'
    assert _post(server_a, thirty_mb).status_code == 413


def test_a_streamed_body_is_refused_before_it_ends(server_a: Server) -> None:
    """No Content-Length (chunked): the 413 comes while the client is still
    sending, after about MAX_BODY_BYTES, not once it has read it all."""
    address = urlsplit(server_a.http)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 65_536
        framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        try:
            for _ in range(2 * MAX_BODY_BYTES // len(chunk)):  # twice the limit, never ended
                connection.sendall(framed)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we want
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_json_nested_too_deep_is_a_400(server_a: Server) -> None:
    deep = b'{"query": "{ __typename }", "variables": {"v": ' + b"[" * 100_000 + b"]" * 100_000
    deep += b"}}"
    response = _post(server_a, deep)
    assert response.status_code == 400, response.text
    assert f"JSON nested deeper than {MAX_JSON_DEPTH} levels" in response.text

    # just within the limit is parsed (and then refused by GraphQL, not by the nesting)
    within = {"query": "{ __typename }", "extensions": {}}
    nested: Any = 1
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    within["extensions"] = {"x": nested}
    assert _post(server_a, json.dumps(within).encode()).status_code == 200


def test_an_input_list_past_the_limit_is_a_typed_error(server_a: Server, world: World) -> None:
    response = _post(server_a, _window(["DROP"] * (MAX_INPUT_LIST + 1)), world.riverside.full)

    assert response.status_code == 200
    [error] = _errors(response)
    assert error["extensions"] == {
        "code": TOO_LONG,
        "field": ["filter", "types"],
        "maximum": MAX_INPUT_LIST,
    }
    assert "$filter" in error["message"]
    assert "filter.types" in error["message"]
    # at the limit it runs
    ok = _post(server_a, _window(["DROP"] * MAX_INPUT_LIST), world.riverside.full)
    assert "errors" not in ok.json(), ok.text


def test_a_list_literal_past_the_limit_names_the_argument(server_a: Server, world: World) -> None:
    types = ", ".join(["DROP"] * (MAX_INPUT_LIST + 1))
    query = f"{{ window: onlineActivity(filter: {{types: [{types}]}}, first: 1) {{ __typename }} }}"
    response = _post(server_a, json.dumps({"query": query}).encode(), world.riverside.full)

    [error] = _errors(response)
    assert error["extensions"]["code"] == TOO_LONG
    assert error["extensions"]["field"] == ["window", "filter", "types"]


async def test_a_subscription_with_a_list_past_the_limit_gets_the_error(
    server_a: Server, world: World
) -> None:
    socket_ = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        operation = await socket_.subscribe(
            "subscription Events($filter: ActivityFilter) "
            "{ activityEvents(filter: $filter) { sequence } }",
            {"filter": {"types": ["DROP"] * (MAX_INPUT_LIST + 1)}},
        )
        message = await socket_.message(operation)
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == TOO_LONG
        # the socket stays usable
        badge = await socket_.subscribe("subscription { activityBadge { waiting } }")
        assert "activityBadge" in await socket_.next(badge)
    finally:
        await socket_.close()
        await asyncio.sleep(0)
