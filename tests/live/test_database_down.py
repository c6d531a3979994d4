"""Every request while the database is down gets a masked, coded answer
(issue 10: "driver text; portal requests get a bare HTTP 500").

A server process reaches PostgreSQL through a proxy the test cuts. A staff
request (its token known to the process) gets a GraphQL error with code
DATABASE_UNAVAILABLE and an error id; a portal request, whose key must be
looked up, gets a JSON 503 with the same code and a Retry-After. Each error
id is in the server's log exactly once. (The embedded SQLite file cannot go
away under a process that holds it open: PostgreSQL mode only.)
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from tests.live.client import PROTOCOL
from tests.live.conftest import server_env
from tests.live.proxy import CuttableProxy
from tests.live.servers import RedisServer, Server
from tests.support import World

pytestmark = pytest.mark.needs_postgres

WINDOW = "{ onlineActivity(first: 1) { __typename } }"
RECORD = """
mutation($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) { userErrors { code } }
}
"""
PAYMENT = {
    "idempotencyKey": "while-the-database-is-down",
    "family": {"externalId": "fam-down", "name": "Down"},
    "event": {"payment": {"externalId": "pay-down", "amount": "1.00", "method": "card"}},
}
LEAKS = ("SQL", "sqlalchemy", "asyncpg", "Connect", "refused", "Traceback", "Errno")


@pytest.fixture
def proxied(
    live_database: str,
    redis_server: RedisServer | None,
    tmp_path: Path,
    live_world: World,
) -> Iterator[tuple[Server, CuttableProxy]]:
    database = make_url(live_database)
    proxy = CuttableProxy((database.host or "127.0.0.1", database.port or 5432))
    through = database.set(host="127.0.0.1", port=proxy.port)
    env = {
        **server_env(live_database, redis_server, tmp_path),
        "DATABASE_URL": through.render_as_string(hide_password=False),
        "TOKEN_CACHE_SECONDS": "600",
    }
    server = Server("db-down", env, tmp_path)
    try:
        server.wait_ready()
        yield server, proxy
    finally:
        proxy.cut()
        # Killed, not stopped: a graceful stop with the database gone is
        # another test's subject (it waits out uvicorn's timeout here).
        server.process.kill()
        server.process.wait()


async def test_requests_while_the_database_is_down_get_masked_coded_errors(
    proxied: tuple[Server, CuttableProxy], world: World
) -> None:
    server, proxy = proxied
    staff = {"Authorization": f"Bearer {world.riverside.full}"}
    portal = {"Authorization": f"Bearer {world.riverside.portal_key}"}
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as client:
        warm = await client.post("/graphql", json={"query": WINDOW}, headers=staff)
        assert warm.status_code == 200 and "errors" not in warm.json(), warm.text
        # when the database goes away
        proxy.cut()
        window = await client.post("/graphql", json={"query": WINDOW}, headers=staff)
        record = await client.post(
            "/graphql", json={"query": RECORD, "variables": {"input": PAYMENT}}, headers=portal
        )
    # then staff get a GraphQL error that says what happened, not how
    assert window.status_code == 200
    [error] = window.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["extensions"]["errorId"] in error["message"]
    # and the portal a JSON 503 with a code, not a bare 500
    assert record.status_code == 503
    assert record.headers["content-type"].startswith("application/json")
    assert record.headers["retry-after"].isdigit()
    [refused] = record.json()["errors"]
    assert refused["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    for response in (window, record):
        assert not any(leak in response.text for leak in LEAKS), response.text
    # and a websocket whose token must be looked up is closed with 1013 (try again later)
    connection = await connect(server.ws, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    await connection.send(
        json.dumps(
            {
                "type": "connection_init",
                "payload": {"authorization": f"Bearer {world.riverside.view_only}"},
            }
        )
    )
    await asyncio.wait_for(connection.wait_closed(), 30)
    assert connection.close_code == 1013
    assert "DATABASE_UNAVAILABLE" in (connection.close_reason or "")
    # each error is logged once, under the id its client was given
    await asyncio.sleep(0.2)
    log = server.log.read_text()
    for identifier in (error["extensions"]["errorId"], refused["extensions"]["errorId"]):
        assert len(re.findall(identifier, log)) == 1, log[-3000:]
