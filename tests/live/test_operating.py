"""What an operator sees of a running process: /ready, its log lines, /metrics.

Against the suite's real server processes (uvicorn, JSON logs with
``DEV_MODE=0``). A lost broadcast needs Redis (PostgreSQL + Redis mode).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from service.readiness import migration_head
from tests.live.client import LiveSocket
from tests.live.servers import RedisServer, Server
from tests.live.test_activity_events import live_from
from tests.support import World

ME = "query Me { me { name } }"


def _get(server: Server, path: str) -> httpx.Response:
    return httpx.get(f"{server.http}{path}", timeout=5)


async def _set_revision(database_url: str, revision: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
            )
    finally:
        await engine.dispose()


def _until(condition: Any, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def _samples(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = _get(server, "/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_ready_says_whether_the_database_carries_this_codes_migrations(
    server_a: Server, live_database: str
) -> None:
    # given a process on a migrated database: alive and ready
    assert _get(server_a, "/health").status_code == 200
    ready = _get(server_a, "/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "database": "ok", "broadcast": "ok"}
    try:
        # when the database goes back to an older migration
        await _set_revision(live_database, "0002")
        # then the process is still alive but not ready, and says why (no driver text)
        assert _get(server_a, "/health").status_code == 200
        behind = _get(server_a, "/ready")
        assert behind.status_code == 503
        assert behind.json() == {"status": "not ready", "database": "behind", "broadcast": "ok"}
    finally:
        await _set_revision(live_database, migration_head())
    assert _get(server_a, "/ready").status_code == 200


@pytest.mark.needs_redis
def test_ready_and_metrics_follow_the_broadcast_through_a_redis_restart(
    server_a: Server, redis_server: RedisServer | None
) -> None:
    assert redis_server is not None
    before = _value(_samples(server_a), "online_activity_broadcast_reconnects_total")
    # when Redis goes away, the process stops being ready
    redis_server.kill()
    try:
        lost = _until(lambda: _get(server_a, "/ready").status_code == 503)
        assert lost, _get(server_a, "/ready").text
        assert _get(server_a, "/ready").json()["broadcast"] == "disconnected"
        assert _value(_samples(server_a), "online_activity_broadcast_connected") == 0
    finally:
        redis_server.start()
    # and when it is back, the process is ready again and has counted the reconnect
    assert _until(lambda: _get(server_a, "/ready").status_code == 200)
    samples = _samples(server_a)
    assert _value(samples, "online_activity_broadcast_connected") == 1
    assert _value(samples, "online_activity_broadcast_reconnects_total") == before + 1


async def test_an_operation_is_one_structured_log_line_even_when_it_fails(
    server_a: Server, world: World
) -> None:
    # given the server's log so far
    start = server_a.log.stat().st_size
    request_id = f"test-{uuid.uuid4().hex[:12]}"
    # when a client asks for `me` without a token, naming its request
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{server_a.http}/graphql", json={"query": ME}, headers={"X-Request-ID": request_id}
        )
        signed_in = await client.post(
            f"{server_a.http}/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {world.riverside.full}"},
        )
    # then the response carries the request id
    assert response.headers["x-request-id"] == request_id
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert signed_in.json()["data"]["me"]["name"]

    def written() -> list[str]:
        with server_a.log.open(encoding="utf-8") as log:
            log.seek(start)
            lines = log.read().splitlines()
        return lines if any(signed_in.headers["x-request-id"] in line for line in lines) else []

    lines = await asyncio.to_thread(_until, written)
    # and the expected error is exactly one JSON line, no traceback
    assert lines, "the server wrote nothing"
    assert not any("Traceback" in line for line in lines), lines
    mine = [json.loads(line) for line in lines if request_id in line]
    assert len(mine) == 1, lines
    [entry] = mine
    assert entry["level"] == "info" and entry["logger"] == "service.telemetry"
    assert entry["request_id"] == request_id
    assert entry["operation"] == "me" and entry["operation_type"] == "query"
    assert entry["operation_name"] == "Me" and entry["outcome"] == "UNAUTHENTICATED"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    # and the signed-in request's line says it went well
    [ok] = [json.loads(line) for line in lines if signed_in.headers["x-request-id"] in line]
    assert ok["outcome"] == "ok" and ok["operation"] == "me"


async def test_metrics_count_operations_sockets_and_subscriptions(
    server_a: Server, server_b: Server, world: World
) -> None:
    before = await asyncio.to_thread(_samples, server_a)
    ok = {"kind": "query", "field": "me", "outcome": "ok"}
    # when a staff member reads `me`, then opens a live window on A
    async with httpx.AsyncClient(timeout=10) as client:
        await client.post(
            f"{server_a.http}/graphql",
            json={"query": ME},
            headers={"Authorization": f"Bearer {world.riverside.full}"},
        )
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        await live_from(socket, server_b.http, world.riverside.portal_key)
        during = await asyncio.to_thread(_samples, server_a)
        # and a subscription refused at validation is not counted as open
        refused = await socket.subscribe("subscription { activityEvents { noSuchField } }")
        assert (await socket.message(refused))["type"] == "error"
        after_refusal = await asyncio.to_thread(_samples, server_a)
        open_ = "online_activity_subscriptions_open"
        assert _value(after_refusal, open_, field="activityEvents") == _value(
            during, open_, field="activityEvents"
        )
    finally:
        await socket.close()
    # then the operation is counted by kind, root field and outcome, with its latency
    name = "online_activity_graphql_operations_total"
    assert _value(during, name, **ok) == _value(before, name, **ok) + 1
    latency = "online_activity_graphql_operation_seconds_count"
    assert _value(during, latency, kind="query", field="me") >= 1
    # and the open socket, its subscription and its feed show
    assert _value(during, "online_activity_websockets_open") >= 1
    assert _value(during, "online_activity_subscriptions_open", field="activityEvents") >= 1
    assert _value(during, "online_activity_live_feeds") >= 1
    assert _value(during, "online_activity_live_lag_sequences") == 0
    # and so do the database pool and the broadcast
    pools = [key for key in during if key[0] == "online_activity_db_pool_size"]
    assert pools and all(during[key] > 0 for key in pools)
    assert _value(during, "online_activity_broadcast_connected") == 1

    # and once the socket is closed, it is no longer counted, and its
    # subscription, parked between events (subscriptions/direct.py), is one
    # operation that ended well
    subscribed = {"kind": "subscription", "field": "activityEvents", "outcome": "ok"}

    def closed() -> bool:
        after = _samples(server_a)
        return (
            _value(after, "online_activity_websockets_open")
            == _value(during, "online_activity_websockets_open") - 1
            and _value(after, open_, field="activityEvents")
            == _value(before, open_, field="activityEvents")
            and _value(after, name, **subscribed) == _value(before, name, **subscribed) + 1
        )

    assert await asyncio.to_thread(_until, closed)
