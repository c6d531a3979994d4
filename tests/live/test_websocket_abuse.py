"""Websocket misuse gets the graphql-transport-ws protocol's answers.

Codes from the protocol (enisdenjo/graphql-ws PROTOCOL.md): 4408 no
``connection_init`` in time, 4429 a second one, 4401 subscribe before the
ack, 4403 a rejected ``connection_init``. A cross-origin handshake from an
origin not in ``ALLOWED_ORIGINS`` is refused before any websocket exists,
and an operation past the per-socket limit gets an ``error`` message.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from service.app import MAX_OPERATIONS_PER_SOCKET
from tests.live.client import PROTOCOL, LiveSocket
from tests.live.servers import ALLOWED_ORIGIN, Server
from tests.support import World

BADGE = "subscription { activityBadge { waiting } }"


async def raw(server: Server, origin: str | None = None) -> ClientConnection:
    return await connect(
        server.ws,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
    )


def init(token: str) -> str:
    return json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})


async def close_code(connection: ClientConnection, seconds: float = 5.0) -> int | None:
    """Read until the server closes; the code it closed with."""
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(connection.recv(), seconds)
    assert connection.close_code is not None
    return connection.close_code


async def test_a_socket_that_never_initialises_is_closed_with_4408(server_a: Server) -> None:
    connection = await raw(server_a)

    assert await close_code(connection) == 4408


async def test_a_second_connection_init_is_closed_with_4429(server_a: Server, world: World) -> None:
    connection = await raw(server_a)
    await connection.send(init(world.riverside.full))
    assert json.loads(await connection.recv())["type"] == "connection_ack"

    await connection.send(init(world.riverside.full))

    assert await close_code(connection) == 4429


async def test_subscribing_before_the_ack_is_closed_with_4401(server_a: Server) -> None:
    connection = await raw(server_a)

    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": BADGE}}))

    assert await close_code(connection) == 4401


@pytest.mark.parametrize("credential", ["oas_not-a-real-token", "portal", "none", "malformed"])
async def test_a_bad_credential_is_closed_with_4403(
    server_a: Server, world: World, credential: str
) -> None:
    payloads: dict[str, dict[str, str]] = {
        "oas_not-a-real-token": {"authorization": "Bearer oas_not-a-real-token"},
        "portal": {"authorization": f"Bearer {world.riverside.portal_key}"},
        "none": {},
        "malformed": {"authorization": world.riverside.full},  # no "Bearer"
    }
    payload = payloads[credential]
    connection = await raw(server_a)

    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))

    assert await close_code(connection) == 4403


async def test_a_page_on_another_origin_cannot_open_a_socket(
    server_a: Server, world: World
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await raw(server_a, origin="https://evil.example")
    assert refused.value.response.status_code == 403

    # while the dashboard's own origin may
    allowed = await raw(server_a, origin=ALLOWED_ORIGIN)
    await allowed.send(init(world.riverside.full))
    assert json.loads(await allowed.recv())["type"] == "connection_ack"
    await allowed.close()


async def test_operations_past_the_limit_get_an_error_and_the_others_keep_running(
    server_a: Server, world: World
) -> None:
    socket = await LiveSocket.open(server_a.ws, world.riverside.full)
    try:
        running = [await socket.subscribe(BADGE) for _ in range(MAX_OPERATIONS_PER_SOCKET)]
        for operation in running:
            await socket.next(operation)

        extra = await socket.subscribe(BADGE)

        message = await socket.message(extra)
        assert message["type"] == "error"
        assert message["payload"][0]["message"] == "Subscription limit reached"
        # the socket stays open for the operations within the limit
        await socket.complete(running[0])
        replacement = await socket.subscribe(BADGE)
        assert "activityBadge" in await socket.next(replacement)
    finally:
        await socket.close()
