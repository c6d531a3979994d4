"""Re-checking open sockets' rights costs one token statement a round, not
one per socket (issue 12: with a task per socket reading its own token,
3,000 sockets of a process made hundreds of token statements a second and
new sockets connected at 6 a second).

The server runs in this test's process (uvicorn on the test's event loop) so
the test can count the statements its engine runs and the rounds of its
``RightsWatch``; the sockets are real graphql-transport-ws clients. The
token cache is off, so every round must read every token again: what
``tests/live/test_socket_rights.py`` shows a socket does with the answer is
unchanged. It runs on the embedded default and, with ``TEST_DATABASE_URL``,
on PostgreSQL + Redis.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from starlette.routing import Route

from domain.viewer import Viewer
from models.db import Database
from service.app import OnlineActivityGraphQL, create_app
from service.provisioning import FULL_RIGHTS, create_staff
from service.services import Services
from service.socket_rights import RightsCheckedHandler
from tests.live.client import LiveSocket
from tests.live.servers import RedisServer, in_process_settings, serving_in_process
from tests.support import World

STAFF = 4
SOCKETS_EACH = 2
ROUNDS = 3


@dataclass
class InProcessServer:
    ws: str
    services: Services
    view: OnlineActivityGraphQL


@pytest.fixture
async def server(
    live_database: str, live_world: World, redis_server: RedisServer | None, tmp_path: Path
) -> AsyncIterator[InProcessServer]:
    # every round reads every token
    settings = in_process_settings(
        live_database, redis_server, tmp_path / "outbox", token_cache_seconds=0
    )
    services = Services.from_settings(settings)
    app = create_app(services=services)
    view = next(r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql")
    assert isinstance(view, OnlineActivityGraphQL)
    async with serving_in_process(app) as port:
        yield InProcessServer(f"ws://127.0.0.1:{port}/graphql", services, view)


async def staff_tokens(live_database: str, world: World) -> list[str]:
    database = Database(live_database)
    tokens = []
    try:
        async with database.write() as session:
            for _ in range(STAFF):
                _, token = await create_staff(
                    session,
                    organisation_id=world.riverside.id,
                    name="Rounds",
                    email=f"rounds.{uuid.uuid4().hex[:10]}@riverside.test",
                    permissions=FULL_RIGHTS,
                    location_ids=None,
                )
                tokens.append(token)
    finally:
        await database.dispose()
    return tokens


async def test_each_round_reads_every_open_sockets_token_in_one_statement(
    server: InProcessServer, live_database: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 4 staff members with 2 open sockets each
    tokens = await staff_tokens(live_database, world)
    sockets = [await LiveSocket.open(server.ws, t) for t in tokens for _ in range(SOCKETS_EACH)]
    statements: list[str] = []
    given: list[object] = []  # each socket given its token's answer
    rights_now = RightsCheckedHandler.rights_now

    def counted(handler: RightsCheckedHandler, viewer: Viewer | None) -> Any:
        given.append(handler)
        return rights_now(handler, viewer)

    monkeypatch.setattr(RightsCheckedHandler, "rights_now", counted)

    def record(*args: Any) -> None:
        if "staff_tokens" in str(args[2]):
            statements.append(str(args[2]))

    engine = server.services.database.read_engine.sync_engine
    try:
        # when the server re-checks their rights a few rounds, the token cache off
        first = server.view.rights.rounds
        event.listen(engine, "before_cursor_execute", record)
        try:
            for _ in range(400):  # the rounds run on the server's clock: 20 s at most
                if server.view.rights.rounds >= first + ROUNDS + 1:
                    break
                await asyncio.sleep(0.05)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        done = server.view.rights.rounds - first
        # then each round read the tokens once, all 8 sockets' in one
        # statement (a round in flight at either end may add one)
        assert done >= ROUNDS + 1
        assert done - 1 <= len(statements) <= done + 1
        # and the rights were unchanged, so only a round that had not seen
        # a socket yet gave it anything: at most each socket once
        assert len(given) <= len(sockets)
        # and every socket is still open
        assert all(s.connection.close_code is None for s in sockets)
    finally:
        for socket in sockets:
            await socket.close()
