"""Websocket frames and sockets have limits, with the protocol's close codes.

Issue 10: misshapen frames dropped the socket with no close frame (1006)
instead of graphql-transport-ws's 4400; a 10 MB frame was read; one token
could open any number of sockets. Against the suite's real uvicorn
processes (two on PostgreSQL + Redis: the per-staff cap holds across them).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as sync_connect

from service.request_limits import MAX_FRAME_BYTES, MESSAGE_TOO_BIG
from service.settings import REPO_ROOT
from service.socket_quota import TOO_MANY_SOCKETS
from tests.live.conftest import server_env
from tests.live.servers import RedisServer, Server, free_port
from tests.live.test_websocket_abuse import BADGE, close_code, init, raw
from tests.support import World

MAX_SOCKETS = 10  # MAX_SOCKETS_PER_STAFF's default, which the suite's servers run with

BAD_FRAMES = {
    "array": "[]",
    "string": '"subscribe"',
    "number": "42",
    "null": "null",
    "type not a string": json.dumps({"type": 1}),
    "object id": json.dumps({"type": "subscribe", "id": {"a": 1}, "payload": {"query": BADGE}}),
    "string payload": json.dumps({"type": "subscribe", "id": "1", "payload": "x"}),
    "number query": json.dumps({"type": "subscribe", "id": "1", "payload": {"query": 42}}),
    "list variables": json.dumps(
        {"type": "subscribe", "id": "1", "payload": {"query": BADGE, "variables": []}}
    ),
    "complete without id": json.dumps({"type": "complete"}),
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "objects nested deep": '{"a":' * 1_000 + "1" + "}" * 1_000,
    "not JSON": "{nope",
}


async def _acked(server: Server, token: str) -> ClientConnection:
    connection = await raw(server)
    await connection.send(init(token))
    assert json.loads(await asyncio.wait_for(connection.recv(), 5))["type"] == "connection_ack"
    return connection


@pytest.mark.parametrize("frame", sorted(BAD_FRAMES))
async def test_a_misshapen_frame_is_closed_with_4400(
    server_a: Server, world: World, frame: str
) -> None:
    connection = await _acked(server_a, world.riverside.full)

    await connection.send(BAD_FRAMES[frame])

    assert await close_code(connection) == 4400


async def test_a_misshapen_frame_before_connection_init_is_closed_with_4400(
    server_a: Server,
) -> None:
    connection = await raw(server_a)
    await connection.send("[]")
    assert await close_code(connection) == 4400


async def test_a_frame_past_the_limit_is_closed_with_1009(server_a: Server, world: World) -> None:
    connection = await _acked(server_a, world.riverside.full)
    big = json.dumps({"type": "ping", "payload": {"pad": "x" * 10_000_000}})  # the 10 MB

    await connection.send(big)

    assert await close_code(connection) == MESSAGE_TOO_BIG
    assert connection.close_reason == f"Message larger than {MAX_FRAME_BYTES} bytes"

    # a subscribe within the limit is served
    within = await _acked(server_a, world.riverside.full)
    query = BADGE + " " * (MAX_FRAME_BYTES - 500)
    await within.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    message = json.loads(await asyncio.wait_for(within.recv(), 5))
    assert message["type"] == "next", message
    await within.close()


async def _open(servers: list[Server], token: str, count: int) -> list[ClientConnection]:
    return [await _acked(servers[i % len(servers)], token) for i in range(count)]


async def _refused(server: Server, token: str) -> tuple[int | None, str]:
    connection = await raw(server)
    await connection.send(init(token))
    code = await close_code(connection)
    return code, connection.close_reason or ""


async def test_sockets_per_staff_member_are_capped_across_processes(
    servers: list[Server], new_staff: Callable[[], Awaitable[str]]
) -> None:
    token = await new_staff()
    opened = await _open(servers, token, MAX_SOCKETS)
    try:
        for server in servers:  # whichever process the next one reaches
            code, reason = await _refused(server, token)
            assert code == TOO_MANY_SOCKETS
            assert reason == f"Too many open sockets for this staff member (at most {MAX_SOCKETS})"

        # another staff member is not affected
        other = await _acked(servers[-1], await new_staff())
        await other.close()

        # a closed socket gives its place back
        await opened.pop().close()
        replacement = await _eventually_acked(servers[0], token)
        opened.append(replacement)
    finally:
        for connection in opened:
            await connection.close()


async def _eventually_acked(server: Server, token: str, seconds: float = 10.0) -> ClientConnection:
    deadline = time.monotonic() + seconds
    while True:
        connection = await raw(server)
        await connection.send(init(token))
        try:
            message = json.loads(await asyncio.wait_for(connection.recv(), 5))
            assert message["type"] == "connection_ack"
            return connection
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@pytest.mark.needs_redis
async def test_the_sockets_of_a_crashed_process_stop_counting(
    servers: list[Server],
    live_database: str,
    redis_server: RedisServer,
    new_staff: Callable[[], Awaitable[str]],
    tmp_path: Path,
) -> None:
    lease_seconds = 3.0
    env = {**server_env(live_database, redis_server, tmp_path), "SOCKET_LEASE_SECONDS": "3"}
    doomed = Server("doomed", env, tmp_path)
    try:
        doomed.wait_ready()
        token = await new_staff()
        await _open([doomed], token, MAX_SOCKETS)
        doomed.process.kill()  # no clean close: its leases stay in Redis
        doomed.process.wait()

        code, _ = await _refused(servers[0], token)
        assert code == TOO_MANY_SOCKETS
        started = time.monotonic()
        connection = await _eventually_acked(servers[0], token, seconds=10 * lease_seconds)
        assert time.monotonic() - started < 3 * lease_seconds + 5
        await connection.close()
    finally:
        doomed.stop()


def test_serve_has_uvicorn_refuse_a_big_frame_before_buffering_it(
    live_database: str, redis_server: RedisServer | None, tmp_path: Path
) -> None:
    """Under ``serve`` uvicorn's own ``ws_max_size`` is the frame limit: a
    bigger frame never reaches the app (the reason is uvicorn's, not ours)."""
    port = free_port()
    env = {**os.environ, **server_env(live_database, redis_server, tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        with sync_connect(
            f"ws://127.0.0.1:{port}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as connection:
            pad = "x" * MAX_FRAME_BYTES
            connection.send(json.dumps({"type": "ping", "payload": {"pad": pad}}))
            with pytest.raises(ConnectionClosed):
                while True:
                    connection.recv(timeout=5)
            assert connection.close_code == MESSAGE_TOO_BIG
            assert connection.close_reason == f"frame exceeds limit of {MAX_FRAME_BYTES} bytes"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
