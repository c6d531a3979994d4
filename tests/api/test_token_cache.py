"""A server remembers a valid staff token for ``TOKEN_CACHE_SECONDS``: the
window does not look the token up on every request, and a revoked token
stops working within that time (at once with 0)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import event, update

from domain.viewer import hash_secret
from models import StaffToken
from models.base import utcnow
from service.services import Services
from service.settings import Settings
from tests.support import Api, World, serving

WINDOW = "query { onlineActivity { ... on ActivityConnection { totalCount } } }"


def _server(settings: Settings, ttl: float) -> AbstractAsyncContextManager[tuple[Api, Services]]:
    return serving(settings.replace(token_cache_seconds=ttl))


async def revoke(services: Services, token: str) -> None:
    async with services.database.write() as session:
        await session.execute(
            update(StaffToken)
            .where(StaffToken.token_hash == hash_secret(token))
            .values(revoked_at=utcnow())
        )


async def test_a_revoked_token_stops_working_within_the_cache_time(
    settings: Settings, world: World
) -> None:
    # given a server that remembers tokens for 0.3 s, and a staff member who read the window
    async with _server(settings, 0.3) as (api, services):
        token = world.riverside.full
        assert await api.error_codes(WINDOW, token=token) == []
        # when the token is revoked
        await revoke(services, token)
        # then once the cache time has passed, the token no longer reads the window
        await asyncio.sleep(0.35)
        assert await api.error_codes(WINDOW, token=token) == ["UNAUTHENTICATED"]


async def test_with_the_cache_off_revocation_takes_effect_at_once(
    settings: Settings, world: World
) -> None:
    # given a server with TOKEN_CACHE_SECONDS=0, and a staff member who read the window
    async with _server(settings, 0) as (api, services):
        token = world.riverside.full
        assert await api.error_codes(WINDOW, token=token) == []
        # when the token is revoked
        await revoke(services, token)
        # then the very next request is refused
        assert await api.error_codes(WINDOW, token=token) == ["UNAUTHENTICATED"]


async def test_a_remembered_token_is_not_looked_up_again(settings: Settings, world: World) -> None:
    # given a server with the default cache time, and a staff member who read the window
    async with _server(settings, Settings().token_cache_seconds) as (api, services):
        token = world.riverside.full
        assert await api.error_codes(WINDOW, token=token) == []
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(str(args[2]))

        engine = services.database.read_engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            # when they read it again
            assert await api.error_codes(WINDOW, token=token) == []
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # then no statement read their token, and a forged token is still refused
        assert statements
        assert not [s for s in statements if "staff_tokens" in s]
        assert await api.error_codes(WINDOW, token="oas_forged") == ["UNAUTHENTICATED"]


async def test_requests_that_miss_together_share_one_lookup(
    settings: Settings, world: World
) -> None:
    # given a server that has not seen a staff token yet (as when a token that
    # many sockets re-check expires: service.socket_rights)
    async with _server(settings, Settings().token_cache_seconds) as (api, services):
        token = world.riverside.full
        lookups: list[str] = []

        def record(*args: Any) -> None:
            if "staff_tokens" in str(args[2]):
                lookups.append(str(args[2]))

        engine = services.database.read_engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            # when ten requests with it arrive at once
            answers = await asyncio.gather(
                *(api.error_codes(WINDOW, token=token) for _ in range(10))
            )
        finally:
            event.remove(engine, "before_cursor_execute", record)
        # then each is served, and the token was looked up once
        assert answers == [[]] * 10
        assert len(lookups) == 1, lookups
