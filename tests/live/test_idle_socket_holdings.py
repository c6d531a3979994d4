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

from schema.execution import SharedEventExecutionContext
from service.app import create_app
from service.parked_operations import parked_operations
from service.ws_protocol import HANDSHAKE_ONLY, LeanWebSocketProtocol
from subscriptions.broadcast import Subscription
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


def open_subscriptions() -> int:
    """Broadcast subscriptions open in this process."""
    return sum(1 for o in gc.get_objects() if isinstance(o, Subscription) and o.is_open)


def executions() -> list[SharedEventExecutionContext]:
    return [o for o in gc.get_objects() if isinstance(o, SharedEventExecutionContext)]


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


async def test_an_idle_subscription_keeps_no_task_or_execution_until_it_ends(
    port: int, world: World
) -> None:
    gc.collect()
    earlier = executions()  # other tests' (kept alive here: no id is reused)
    # Given idle subscribers, caught up
    sockets, operations = await idle_subscribers(port, world.riverside.full)
    try:
        # then each operation is parked: registered with its socket, no task of its own
        assert [operation.task for operation in operations] == [None] * SOCKETS
        assert parked_operations() == SOCKETS
        running = [
            task
            for task in asyncio.all_tasks()
            if "run_operation" in getattr(task.get_coro(), "__qualname__", "")
        ]
        assert running == []

        # and once their runs have unwound, of their executions only their
        # group's is left, holding no socket
        def new_executions() -> list[SharedEventExecutionContext]:
            gc.collect()
            return [e for e in executions() if not any(e is o for o in earlier)]

        for _ in range(100):
            if len(new_executions()) <= 1:  # (a list kept here would keep them)
                break
            await asyncio.sleep(0.02)
        [group_execution] = new_executions()
        assert group_execution.context_value.request is None
        # while each is still subscribed to its organisation's channel
        assert open_subscriptions() == SOCKETS

        # When one client completes its operation, then its subscription ends for good
        await sockets[0].complete("1")
        for _ in range(200):
            if parked_operations() == SOCKETS - 1 and open_subscriptions() == SOCKETS - 1:
                break
            await asyncio.sleep(0.01)
        assert (parked_operations(), open_subscriptions()) == (SOCKETS - 1, SOCKETS - 1)
        await sockets[0].nothing_more("1", 0.05)
    finally:
        for socket in sockets:
            await socket.close()
    # and once every socket is closed, nothing parked and nothing subscribed is left
    for _ in range(200):
        if parked_operations() == 0 and open_subscriptions() == 0:
            break
        await asyncio.sleep(0.01)
    assert (parked_operations(), open_subscriptions()) == (0, 0)
