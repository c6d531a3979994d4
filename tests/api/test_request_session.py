"""A query over HTTP reads its token and its data in one read session.

Issue 12 (one window request, PostgreSQL: 7 round trips): the token's staff
row and the page were read in two sessions, each with its own connection,
BEGIN and ROLLBACK. The token is now read in the request's shared session
(``Context.first_read``), which the query's resolvers go on using; a request
that is not a query ends that session before it runs (``before_execution``),
so a mutation never holds an idle read connection while it takes others.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import event

from service.services import Services
from service.settings import Settings
from tests.support import Api, World, serving

WINDOW = (
    "query { onlineActivity { ... on ActivityConnection"
    " { totalCount nodes { ... on ActivityEntry { id } } } } }"
)
LOCK = "mutation { acquireEditLock(input: {surface: WINDOW}) { lease { token } } }"


def _uncached(settings: Settings) -> AbstractAsyncContextManager[tuple[Api, Services]]:
    """A server that looks every token up (``TOKEN_CACHE_SECONDS=0``), as the
    benchmark's figure held to the target runs it."""
    return serving(settings.replace(token_cache_seconds=0))


async def test_a_query_reads_its_token_and_its_page_on_one_connection_in_one_transaction(
    settings: Settings, world: World
) -> None:
    async with _uncached(settings) as (api, services):
        token = world.riverside.full
        assert await api.error_codes(WINDOW, token=token) == []  # warm
        engine = services.database.read_engine.sync_engine
        seen: list[str] = []

        def checkout(*_: Any) -> None:
            seen.append("checkout")

        def begin(*_: Any) -> None:
            seen.append("begin")

        def statement(*args: Any) -> None:
            seen.append("token" if "staff_tokens" in str(args[2]) else "statement")

        event.listen(engine.pool, "checkout", checkout)
        event.listen(engine, "begin", begin)
        event.listen(engine, "before_cursor_execute", statement)
        try:
            # when staff read the window
            assert await api.error_codes(WINDOW, token=token) == []
        finally:
            event.remove(engine.pool, "checkout", checkout)
            event.remove(engine, "begin", begin)
            event.remove(engine, "before_cursor_execute", statement)
        # then one connection and one transaction served the token and the page
        assert seen.count("checkout") == 1, seen
        assert seen.count("begin") == 1, seen
        assert seen.index("token") < seen.index("statement", seen.index("token")), seen


async def test_a_mutation_holds_no_read_connection_from_its_token_while_it_runs(
    settings: Settings, world: World
) -> None:
    async with _uncached(settings) as (api, services):
        token = world.riverside.full
        reads = services.database.read_engine.sync_engine.pool
        held_while_writing: list[int] = []

        def writing(*_: Any) -> None:
            held_while_writing.append(reads.checkedout())  # type: ignore[attr-defined]

        writes = services.database.write_engine.sync_engine
        event.listen(writes, "before_cursor_execute", writing)
        try:
            # when staff take the edit lock (a mutation that reads, then writes)
            data = await api.data(LOCK, token=token)
        finally:
            event.remove(writes, "before_cursor_execute", writing)
        # then it was served, and no read connection was held while it wrote
        assert data["acquireEditLock"]["lease"]["token"]
        assert held_while_writing
        assert set(held_while_writing) == {0}, held_while_writing


async def test_a_bad_token_in_a_query_is_refused_and_its_session_ends(
    settings: Settings, world: World
) -> None:
    async with _uncached(settings) as (api, services):
        assert await api.error_codes(WINDOW, token="oas_forged") == ["UNAUTHENTICATED"]
        assert services.database.read_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert await api.error_codes(WINDOW, token=world.riverside.full) == []
        assert services.database.read_engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
