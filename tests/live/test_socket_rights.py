"""An open websocket keeps only the rights its staff member still has
(issue 10: "Websocket sessions outlive their rights").

A real server with ``TOKEN_CACHE_SECONDS=1`` and real websocket clients: a
revoked token or a deactivated staff member ends the socket with 4403;
removed locations or permissions end the operations in flight with
RIGHTS_CHANGED, and what the client subscribes to next runs with the new
rights.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from domain.vocabulary import PermissionLevel, Task
from models import Staff, StaffLocation
from models.db import Database
from service.administration import deactivate_staff, revoke_tokens
from service.provisioning import FULL_RIGHTS, VIEW_ONLY, create_staff
from tests.live.client import LiveSocket, graphql
from tests.live.conftest import server_env
from tests.live.servers import RedisServer, Server
from tests.support import World

CACHE_SECONDS = 1.0
# The cache's lifetime, a check interval and slack for a loaded machine.
NOTICED_WITHIN = 6.0
EVENTS = "subscription { activityEvents { sequence entryId } }"
BADGE = "subscription { activityBadge { waiting } }"
RECORD = """
mutation($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) { entries { ... on ActivityEntry { id } } userErrors { code } }
}
"""


@pytest.fixture(scope="module")
def server(
    live_database: str,
    live_world: World,
    redis_server: RedisServer | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    logs = tmp_path_factory.mktemp("socket-rights")
    env = {
        **server_env(live_database, redis_server, logs),
        "TOKEN_CACHE_SECONDS": str(CACHE_SECONDS),
    }
    started = Server("rights", env, Path(logs))
    try:
        started.wait_ready()
        yield started
    finally:
        started.stop()


@pytest.fixture
async def database(live_database: str) -> AsyncIterator[Database]:
    opened = Database(live_database)
    try:
        yield opened
    finally:
        await opened.dispose()


async def staff_member(
    database: Database, world: World, locations: Sequence[str] | None = None
) -> tuple[str, str]:
    """A full-rights staff member of riverside (limited to ``locations``): email, token."""
    email = f"rights.{uuid.uuid4().hex[:10]}@riverside.test"
    async with database.write() as session:
        _, token = await create_staff(
            session,
            organisation_id=world.riverside.id,
            name="Rights",
            email=email,
            permissions=FULL_RIGHTS,
            location_ids=None
            if locations is None
            else [world.riverside.locations[name] for name in locations],
        )
    return email, token


async def closed_with(socket: LiveSocket) -> int | None:
    await asyncio.wait_for(socket.connection.wait_closed(), NOTICED_WITHIN)
    return socket.connection.close_code


async def record_at(server: Server, world: World, location: str) -> str:
    key = uuid.uuid4().hex[:12]
    data = await graphql(
        server.http,
        RECORD,
        {
            "input": {
                "idempotencyKey": f"rights-{key}",
                "family": {"externalId": f"fam-{key}", "name": "Rights"},
                "event": {
                    "payment": {
                        "externalId": f"pay-{key}",
                        "amount": "5.00",
                        "method": "card",
                        "location": {"externalId": location, "name": location.title()},
                    }
                },
            }
        },
        world.riverside.portal_key,
    )
    assert data["recordPortalEvent"]["userErrors"] == []
    entry_id: str = data["recordPortalEvent"]["entries"][0]["id"]
    return entry_id


async def ended_with(socket: LiveSocket, operation: str) -> list[str]:
    """The codes of the error that ended ``operation``, once its ``complete`` came."""
    message = await socket.message(operation, NOTICED_WITHIN)
    assert message["type"] == "next", message
    codes = [e["extensions"]["code"] for e in message["payload"]["errors"]]
    assert (await socket.message(operation))["type"] == "complete"
    return codes


async def test_a_revoked_token_ends_the_socket_with_4403(
    server: Server, world: World, database: Database
) -> None:
    _, token = await staff_member(database, world)
    socket = await LiveSocket.open(server.ws, token)
    badge = await socket.subscribe(BADGE)
    await socket.next(badge)
    async with database.write() as session:
        await revoke_tokens(
            session, token=token, slug=None, email=None, operator="test", reason=None
        )
    assert await closed_with(socket) == 4403


async def test_a_deactivated_staff_member_is_disconnected_with_4403(
    server: Server, world: World, database: Database
) -> None:
    email, token = await staff_member(database, world)
    socket = await LiveSocket.open(server.ws, token)
    await socket.next(await socket.subscribe(BADGE))
    async with database.write() as session:
        await deactivate_staff(session, slug="riverside", email=email, operator="t", reason=None)
    assert await closed_with(socket) == 4403


async def test_a_removed_location_ends_the_feed_and_the_next_one_is_scoped_to_what_is_left(
    server: Server, world: World, database: Database
) -> None:
    email, token = await staff_member(database, world, ["north", "south"])
    socket = await LiveSocket.open(server.ws, token)
    feed = await socket.subscribe(EVENTS)
    await asyncio.sleep(0.3)  # subscribed
    south = await record_at(server, world, "south")
    assert (await socket.next(feed))["activityEvents"]["entryId"] == south
    # when South is taken from them
    async with database.write() as session:
        staff_id = await session.scalar(select(Staff.id).where(Staff.email == email))
        await session.execute(
            delete(StaffLocation).where(
                StaffLocation.staff_id == staff_id,
                StaffLocation.location_id == world.riverside.locations["south"],
            )
        )
    # then the feed ends with RIGHTS_CHANGED, and the socket stays open
    assert await ended_with(socket, feed) == ["RIGHTS_CHANGED"]
    again = await socket.subscribe(EVENTS)
    await asyncio.sleep(0.3)
    await record_at(server, world, "south")
    north = await record_at(server, world, "north")
    assert (await socket.next(again))["activityEvents"]["entryId"] == north
    await socket.nothing_more(again)
    await socket.close()


async def test_removed_permissions_end_every_operation_and_later_ones_are_refused(
    server: Server, world: World, database: Database
) -> None:
    email, token = await staff_member(database, world)
    socket = await LiveSocket.open(server.ws, token)
    operations = [await socket.subscribe(BADGE), await socket.subscribe(EVENTS)]
    await socket.next(operations[0])
    async with database.write() as session:
        staff = await session.scalar(select(Staff).where(Staff.email == email))
        assert staff is not None
        rights: dict[str, Any] = dict(staff.permissions)
        rights[Task.MANAGE_ONLINE_ACTIVITY.value] = PermissionLevel.NONE.value
        staff.permissions = rights
    for operation in operations:
        assert await ended_with(socket, operation) == ["RIGHTS_CHANGED"]
    refused = await socket.subscribe(BADGE)
    message = await socket.message(refused)
    assert [e["extensions"]["code"] for e in message["payload"]["errors"]] == ["FORBIDDEN"]
    await socket.close()


async def test_an_added_location_ends_nothing_and_later_feeds_include_it(
    server: Server, world: World, database: Database
) -> None:
    email, token = await staff_member(database, world, ["north"])
    socket = await LiveSocket.open(server.ws, token)
    feed = await socket.subscribe(EVENTS)
    async with database.write() as session:
        staff_id = await session.scalar(select(Staff.id).where(Staff.email == email))
        assert staff_id is not None
        session.add(
            StaffLocation(staff_id=staff_id, location_id=world.riverside.locations["south"])
        )
    await asyncio.sleep(CACHE_SECONDS * 2.5)  # the server has re-checked the token by now
    north = await record_at(server, world, "north")
    assert (await socket.next(feed))["activityEvents"]["entryId"] == north
    wider = await socket.subscribe(EVENTS)
    await asyncio.sleep(0.3)
    south = await record_at(server, world, "south")
    assert (await socket.next(wider))["activityEvents"]["entryId"] == south
    await socket.nothing_more(feed)  # the old feed keeps the scope it started with
    await socket.close()


ACTIONS = """
subscription { activityEvents { entryId entry { ... on ActivityEntry { availableActions } } } }
"""


async def test_widened_rights_never_render_a_colleagues_events(
    server: Server, world: World, database: Database
) -> None:
    # Two staff members with view-only rights share one rendering of each
    # event (one selection key, one direct group). When the first one's
    # rights are widened, neither their own open feed nor the colleague's
    # is rendered with the wider rights: each event is rendered as the
    # scope the feeds share ("the old feed keeps the scope it started with").
    widened_email, widened = await staff_member(database, world)
    colleague_email, colleague = await staff_member(database, world)
    await _set_permissions(database, widened_email, VIEW_ONLY)
    await _set_permissions(database, colleague_email, VIEW_ONLY)
    await asyncio.sleep(CACHE_SECONDS * 2.5)
    first = await LiveSocket.open(server.ws, widened)
    second = await LiveSocket.open(server.ws, colleague)
    feeds = [await first.subscribe(ACTIONS), await second.subscribe(ACTIONS)]
    await asyncio.sleep(0.3)
    before = await record_at(server, world, "north")
    for socket, feed in ((first, feeds[0]), (second, feeds[1])):
        event = (await socket.next(feed))["activityEvents"]
        assert event["entryId"] == before
        assert event["entry"]["availableActions"] == []  # view only: nothing to do

    await _set_permissions(database, widened_email, FULL_RIGHTS)
    await asyncio.sleep(CACHE_SECONDS * 2.5)  # the server has re-checked the token by now
    for _ in range(3):
        after = await record_at(server, world, "north")
        for socket, feed in ((first, feeds[0]), (second, feeds[1])):
            event = (await socket.next(feed))["activityEvents"]
            assert event["entryId"] == after
            assert event["entry"]["availableActions"] == [], socket
    # and what the widened staff member subscribes to next has the new rights
    fresh = await first.subscribe(ACTIONS)
    await asyncio.sleep(0.3)
    latest = await record_at(server, world, "north")
    event = (await first.next(fresh))["activityEvents"]
    assert event["entryId"] == latest and event["entry"]["availableActions"] == ["DISMISS"]
    await first.close()
    await second.close()


async def _set_permissions(
    database: Database, email: str, permissions: dict[Task, PermissionLevel]
) -> None:
    async with database.write() as session:
        staff = await session.scalar(select(Staff).where(Staff.email == email))
        assert staff is not None
        staff.permissions = {task.value: level.value for task, level in permissions.items()}
