"""Restarting one of two server processes under a stream of portal events.

SIGTERM makes a process close its websockets with 1001 (going away), finish
the requests in flight and stop; its subscribers reconnect to the other
process with ``afterSequence`` and the database replays what they missed.
No subscriber misses a change or sees one twice. On PostgreSQL + Redis the
two processes share Redis; on the embedded default they share the SQLite
file (each with its own in-process broadcast: a subscriber there learns of
the other process's writes from the hole in the sequence at its next push).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.live.client import PROTOCOL
from tests.live.conftest import fresh_tenant, server_env
from tests.live.recording import RECORD
from tests.live.servers import RedisServer, Server

pytestmark = pytest.mark.slow

EVENTS = """
subscription Follow($after: Int) {
  activityEvents(afterSequence: $after) { sequence }
}
"""
SUBSCRIBERS_PER_PROCESS = 3
GOING_AWAY = 1001


class Follower:
    """A dashboard: follows ``activityEvents`` and, when its socket closes,
    resubscribes on the other process from the last sequence it saw."""

    def __init__(self, urls: list[str], token: str) -> None:
        self.urls = urls  # where it starts, then where it goes after a close
        self.token = token
        self.sequences: list[int] = []
        self.close_codes: list[int | None] = []
        self.task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        for attempt in range(50):
            url = self.urls[0] if attempt == 0 else self.urls[1]
            try:
                await self._session(url)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                self.close_codes.append(None)
                await asyncio.sleep(0.1)

    async def _session(self, url: str) -> None:
        async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
            init = {"authorization": f"Bearer {self.token}"}
            await socket.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            after = self.sequences[-1] if self.sequences else 0
            payload = {"query": EVENTS, "variables": {"after": after}}
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            async for raw in socket:
                message = json.loads(raw)
                assert message["type"] == "next", message
                self.sequences.append(message["payload"]["data"]["activityEvents"]["sequence"])
        self.close_codes.append(socket.close_code)


class Portal:
    """Records one payment after another, each with its own idempotency key,
    through either process; a request that fails is sent again, same key,
    through the other one (what a portal behind a load balancer sees)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.sequences: list[int] = []
        self.retries = 0

    async def record(self, first: str, other: str) -> None:
        variables: dict[str, Any] = {
            "input": {
                "idempotencyKey": uuid.uuid4().hex,
                "family": {"externalId": "fam-restart", "name": "Lee"},
                "event": {
                    "payment": {"externalId": uuid.uuid4().hex, "amount": "5.00", "method": "card"}
                },
            }
        }
        headers = {"Authorization": f"Bearer {self.key}"}
        for attempt in range(20):
            url = first if attempt % 2 == 0 else other
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    response = await client.post(
                        f"{url}/graphql",
                        json={"query": RECORD, "variables": variables},
                        headers=headers,
                    )
                if response.status_code == 200:
                    body = response.json()
                    assert not body.get("errors"), body
                    result = body["data"]["recordPortalEvent"]
                    assert result["userErrors"] == [], result
                    self.sequences += [e["sequence"] for e in result["entries"]]
                    return
            except httpx.TransportError:
                pass
            self.retries += 1
            await asyncio.sleep(0.05)
        raise AssertionError("a portal event could not be recorded through either process")


async def _wait_for(condition: Any, seconds: float, what: str) -> None:
    try:
        async with asyncio.timeout(seconds):
            while not condition():  # noqa: ASYNC110 - polls state other tasks change
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"not within {seconds}s: {what}") from None


async def test_restarting_one_of_two_processes_under_load_loses_no_change(
    live_database: str, redis_server: RedisServer | None, server_b: Server, tmp_path: Path
) -> None:
    # given two server processes (one of the suite's, B, and one to restart, A),
    # and subscribers on each of them
    env = server_env(live_database, redis_server, tmp_path)
    a, b = Server("restart-a", env, tmp_path), server_b
    portal_key, token = await fresh_tenant(live_database, "restart")
    followers: list[Follower] = []
    try:
        await asyncio.to_thread(a.wait_ready)
        on_a = [Follower([a.ws, b.ws], token) for _ in range(SUBSCRIBERS_PER_PROCESS)]
        on_b = [Follower([b.ws, b.ws], token) for _ in range(SUBSCRIBERS_PER_PROCESS)]
        followers = on_a + on_b
        portal = Portal(portal_key)
        # (on SQLite a process pushes only its own writes: one through each)
        for first, other in ((b.http, a.http), (a.http, b.http), (b.http, a.http)):
            await portal.record(first, other)
        await _wait_for(
            lambda: all(len(f.sequences) >= 2 for f in followers), 10, "every follower is live"
        )

        # when A is told to stop (SIGTERM) and started again, while events keep coming
        async def stream(count: int) -> None:
            for number in range(count):
                first, other = (a.http, b.http) if number % 2 else (b.http, a.http)
                await portal.record(first, other)
                await asyncio.sleep(0.03)

        writing = asyncio.create_task(stream(40))
        await asyncio.sleep(0.4)
        a.process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(a.process.wait, 30)
        a = Server("restart-a", env, tmp_path, port=a.port)
        await asyncio.to_thread(a.wait_ready)
        await writing
        await stream(5)
        await portal.record(b.http, a.http)  # the last one through B, where everyone is now

        # then A stopped cleanly (uvicorn ends by raising the signal again), closing
        # its websockets with 1001 first
        log = a.log.read_text()
        assert exit_code in (0, -signal.SIGTERM), (exit_code, log[-3000:])
        assert "closing 3 websocket(s) with 1001" in log and "Traceback" not in log, log[-3000:]
        for follower in on_a:
            assert follower.close_codes[:1] == [GOING_AWAY], follower.close_codes
        # and every subscriber has every change exactly once, in order
        recorded = sorted(portal.sequences)
        assert len(set(recorded)) == len(recorded)
        await _wait_for(
            lambda: all(len(f.sequences) >= len(recorded) for f in followers),
            20,
            "every follower caught up",
        )
        for follower in followers:
            assert not follower.task.done(), follower.task
            assert follower.sequences == recorded, (recorded, follower.sequences)
        assert all(f.close_codes == [] for f in on_b), "B's subscribers were never dropped"
    finally:
        for follower in followers:
            follower.task.cancel()
        for follower in followers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await follower.task
        a.stop()
