"""Redis restarts under two servers: nothing is lost, nothing stops.

Needs PostgreSQL + Redis (deselected on the embedded default, which has no
Redis: one SQLite file with an in-process broadcast is single-process by
design).
"""

from __future__ import annotations

import pytest

from tests.live.client import LiveSocket, graphql
from tests.live.recording import record_payment
from tests.live.servers import RedisServer, Server
from tests.live.test_activity_events import BADGE, BADGE_QUERY, live_from
from tests.support import World

pytestmark = pytest.mark.needs_redis


async def test_subscribers_resume_after_a_redis_restart_without_losing_an_entry(
    server_a: Server, server_b: Server, world: World, redis_server: RedisServer | None
) -> None:
    assert redis_server is not None, "this test runs only with PostgreSQL + Redis"
    key = world.harbour.portal_key
    token = world.harbour.full
    # Given a window and a badge open on process A
    socket = await LiveSocket.open(server_a.ws, token)
    try:
        events = await live_from(socket, server_b.http, key, location="main")
        badge = await socket.subscribe(BADGE)
        before = (await socket.next(badge))["activityBadge"]

        # When Redis dies, entries still get recorded through B and A still answers queries
        redis_server.kill()
        missed = [await record_payment(server_b.http, key, location="main") for _ in range(2)]
        during = (await graphql(server_a.http, BADGE_QUERY, token=token))["activityBadge"]
        assert during["waiting"] == before["waiting"] + 2

        # and Redis comes back
        redis_server.start()

        # Then the subscriber replays what it missed, in order, once
        replayed = [(await socket.next(events, 15))["activityEvents"] for _ in missed]
        assert [e["sequence"] for e in replayed] == [m["sequence"] for m in missed]
        assert (await socket.next(badge, 15))["activityBadge"] == during
        # and live pushes work again, through the restarted Redis
        live = await record_payment(server_b.http, key, location="main")
        assert (await socket.next(events))["activityEvents"]["sequence"] == live["sequence"]
        await socket.nothing_more(events)
    finally:
        await socket.close()
