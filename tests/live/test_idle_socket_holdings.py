"""What an open, idle subscriber's socket keeps in the server for its life.

Issue 12 (memory per idle subscriber, ``python -m bench.idle_memory``): an
``activityEvents`` subscriber that waits for hours keeps its coroutine
frames and whatever they refer to. The server runs in this test's process
(uvicorn on the test's event loop, the protocol ``serve`` uses) so the test
can look at what the server's tasks and heap hold; the sockets are real
graphql-transport-ws clients. Embedded default, and PostgreSQL + Redis with
``TEST_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from service.app import create_app
from service.ws_protocol import HANDSHAKE_ONLY, LeanWebSocketProtocol
from tests.live.client import PROTOCOL, LiveSocket
from tests.live.servers import RedisServer, in_process_settings, serving_in_process
from tests.support import World

EVENTS = "subscription Idle { activityEvents { sequence change } }"
SOCKETS = 3


@pytest.fixture
async def port(
    live_database: str, live_world: World, redis_server: RedisServer | None, tmp_path: Path
) -> AsyncIterator[int]:
    settings = in_process_settings(live_database, redis_server, tmp_path / "outbox")
    async with serving_in_process(create_app(settings)) as serving:
        yield serving


async def idle_subscribers(port: int, token: str) -> tuple[list[LiveSocket], list[Any]]:
    """``SOCKETS`` sockets, each subscribed to ``EVENTS``, and their
    operations once every one is running."""
    sockets = [
        await LiveSocket.open(f"ws://127.0.0.1:{port}/graphql", token) for _ in range(SOCKETS)
    ]
    for socket in sockets:
        await socket.subscribe(EVENTS)
    for _ in range(200):
        operations = [o for o in gc.get_objects() if isinstance(o, Operation)]
        if len(operations) == SOCKETS:
            await asyncio.sleep(0.2)  # each feed subscribed and parked
            return sockets, operations
        await asyncio.sleep(0.025)
    raise AssertionError(f"{len(operations)} of {SOCKETS} operations running")


def frames(coroutine: Any) -> Iterator[str]:
    """The files of a task's suspended coroutine frames, outermost first,
    down to the first await that is not a coroutine."""
    while coroutine is not None and getattr(coroutine, "cr_frame", None) is not None:
        yield coroutine.cr_frame.f_code.co_filename
        coroutine = coroutine.cr_await


async def test_idle_subscribers_keep_no_message_and_share_their_query_text(
    port: int, world: World
) -> None:
    # Given three sockets subscribed to the same document, then idle
    sockets, operations = await idle_subscribers(port, world.riverside.full)
    try:
        # then the server keeps one copy of the document's text for all three
        assert {id(operation.query) for operation in operations} == {id(operations[0].query)}
        # and none of the subscribe messages it read: strawberry's reading
        # loop no longer holds its last message while it waits for the next
        held = [o for o in gc.get_objects() if isinstance(o, dict) and o.get("type") == "subscribe"]
        assert held == []
        # and the subscriptions run: an operation message still reaches them
        for socket in sockets:
            await socket.nothing_more("1", 0.05)
            assert socket.connection.close_code is None
    finally:
        for socket in sockets:
            await socket.close()


async def test_an_idle_graphql_socket_is_served_past_starlettes_stack(
    port: int, world: World
) -> None:
    # Given idle subscribers
    sockets, _ = await idle_subscribers(port, world.riverside.full)
    try:
        runs = [
            task.get_coro()
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "").endswith("run_asgi")
        ]
        assert len(runs) == SOCKETS
        for run in runs:
            files = [Path(name).as_posix() for name in frames(run)]
            # then each socket's ASGI call reaches strawberry's handler ...
            assert any("strawberry/" in name for name in files), files
            # ... with no starlette middleware, router or route frame kept for it
            assert not [name for name in files if "starlette/" in name], files
    finally:
        for socket in sockets:
            await socket.close()


async def test_a_websocket_on_another_path_is_refused_as_before(port: int) -> None:
    # A websocket anywhere but /graphql goes through starlette's router: no route, 403
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{port}/elsewhere", subprotocols=[PROTOCOL])  # type: ignore[list-item]
    assert refused.value.response.status_code == 403


async def test_an_open_socket_keeps_none_of_the_handshakes_negotiation_headers(
    port: int, world: World
) -> None:
    # Given idle subscribers
    sockets, _ = await idle_subscribers(port, world.riverside.full)
    try:
        protocols = [o for o in gc.get_objects() if isinstance(o, LeanWebSocketProtocol)]
        assert len(protocols) == SOCKETS
        for protocol in protocols:
            names = {name for name, _ in protocol.scope["headers"]}
            # then the upgrade's own headers are gone from the scope they keep,
            # and the request's others are still there
            assert not names & HANDSHAKE_ONLY, names
            assert b"host" in names
    finally:
        for socket in sockets:
            await socket.close()
