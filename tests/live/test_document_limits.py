"""An anonymous document cannot keep a server process busy (issue 10).

Against the suite's real uvicorn processes: while the server checks a
document no other request is served, so each refusal must come quickly and
``/health`` must answer meanwhile. The timings asserted are loose bounds of
a denial of service (seconds, on a machine that may be busy with other
work), not benchmarks: the budget's CPU bound itself is checked in
tests/test_document_shape.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from schema.document_limits import (
    MAX_DEPTH,
    MAX_SELECTIONS,
    TOO_COMPLEX,
    TOO_SLOW,
)
from tests.live.client import LiveSocket
from tests.live.conftest import server_env
from tests.live.servers import RedisServer, Server, running
from tests.support import World


def fragment_bomb(levels: int = 20) -> str:
    """The issue's document: each fragment spreads the one below it twice,
    so ``levels`` fragments stand for 2**levels selections."""
    lines = [f"query Bomb {{ ...F{levels} }}", "fragment F0 on Query { __typename }"]
    lines += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(lines)


# Within the shape limits, but graphql-core compares every pair of the 250
# `me` fields (their arguments differ): 0.26-0.4 s of validation on a quiet
# machine of 2026-12, over a second on a slower one. The shape limits keep
# every document near the default budget, so the budget is tested on a
# server whose budget this document exceeds whatever the machine's speed.
CONFLICT_BOMB = "{" + "".join(f"me {{ name(a: {i % 2}) }} " for i in range(250)) + "}"
TIGHT_BUDGET_SECONDS = 0.02


@pytest.fixture
def tight_server(
    live_database: str, redis_server: RedisServer | None, tmp_path: Path
) -> Iterator[Server]:
    """A server process with ``QUERY_TIME_BUDGET_SECONDS`` of 20 ms."""
    env = {
        **server_env(live_database, redis_server, tmp_path),
        "QUERY_TIME_BUDGET_SECONDS": str(TIGHT_BUDGET_SECONDS),
    }
    with running("tight-budget", env, tmp_path) as server:
        yield server


async def _post(server: Server, query: str) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(f"{server.http}/graphql", json={"query": query})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return time.monotonic() - started, body


async def _health_while(server: Server, work: asyncio.Task[Any]) -> float:
    """The slowest ``/health`` answer while ``work`` runs."""
    slowest = 0.0
    async with httpx.AsyncClient(timeout=30) as client:
        while not work.done():
            started = time.monotonic()
            response = await client.get(f"{server.http}/health")
            assert response.status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            await asyncio.sleep(0.02)
    return slowest


def _code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or [{}]
    code: str | None = (errors[0].get("extensions") or {}).get("code")
    return code


async def test_the_fragment_bomb_is_refused_at_once_and_health_answers(server_a: Server) -> None:
    bomb = fragment_bomb()
    assert len(bomb.encode()) < 900  # the 825 bytes

    work = asyncio.create_task(_post(server_a, bomb))
    slowest_health = await _health_while(server_a, work)
    seconds, body = await work

    assert _code(body) == TOO_COMPLEX, body
    assert body["errors"][0]["extensions"]["limit"] == "fragmentSpreads"
    assert body.get("data") is None
    assert seconds < 3.0  # unbounded: 6 s and more
    assert slowest_health < 3.0


async def test_a_document_too_slow_to_validate_is_stopped_by_the_time_budget(
    tight_server: Server,
) -> None:
    work = asyncio.create_task(_post(tight_server, CONFLICT_BOMB))
    slowest_health = await _health_while(tight_server, work)
    seconds, body = await work

    assert _code(body) == TOO_SLOW, body
    assert body["errors"][0]["extensions"]["maximum"] == TIGHT_BUDGET_SECONDS
    assert seconds < 4.0
    assert slowest_health < 4.0
    # not remembered as refused either: the same text is checked again (and refused again)
    _, again = await _post(tight_server, CONFLICT_BOMB)
    assert _code(again) == TOO_SLOW
    # and a document within the budget is served as usual
    _, fine = await _post(tight_server, "{ __typename }")
    assert fine == {"data": {"__typename": "Query"}}


async def test_depth_follows_fragments_and_counts_introspection(server_a: Server) -> None:
    # __type { ofType { ofType ... } }: introspection only, through a fragment chain
    nested = "kind"
    for _ in range(MAX_DEPTH):
        nested = f"ofType {{ {nested} }}"
    through_fragment = 'query Deep { __type(name: "Query") { ...T } } fragment T on __Type { '
    _, body = await _post(server_a, through_fragment + nested + " }")

    assert _code(body) == TOO_COMPLEX, body
    assert body["errors"][0]["extensions"]["limit"] == "depth"


async def test_too_many_selections_and_tokens_are_refused_with_a_code(server_a: Server) -> None:
    selections = "{" + "__typename " * (MAX_SELECTIONS + 1) + "}"
    _, body = await _post(server_a, selections)
    assert _code(body) == TOO_COMPLEX
    assert body["errors"][0]["extensions"]["limit"] == "selections"

    tokens = "{" + "__typename " * 5000 + "}"
    _, body = await _post(server_a, tokens)
    assert _code(body) == TOO_COMPLEX
    assert body["errors"][0]["extensions"]["limit"] == "tokens"


async def test_the_bomb_as_a_subscription_gets_the_error_and_the_socket_stays(
    server_a: Server, world: World
) -> None:
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        bomb = (
            fragment_bomb()
            .replace("query Bomb", "subscription Bomb")
            .replace("on Query", "on Subscription")
        )
        operation = await socket.subscribe(bomb)
        message = await socket.message(operation)
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == TOO_COMPLEX

        badge = await socket.subscribe("subscription { activityBadge { waiting } }")
        assert "activityBadge" in await socket.next(badge)
    finally:
        await socket.close()
