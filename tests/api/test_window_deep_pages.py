"""Deep pages read by keyset cost what the first page costs, and a cursor
whose entry has left the 90 days still pages from where the window starts.

"Online Activity data is accessible for a maximum of 90 days from the Online
Activity window."
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from domain.cursors import encode_keyset
from domain.vocabulary import WINDOW_RETENTION_DAYS
from models.base import utcnow
from service.services import Services
from tests.api.test_window_paging import page, sequences
from tests.factories import add_entries
from tests.support import Api, World

DEEP = """
query Deep($first: Int, $after: String) {
  onlineActivity(first: $first, after: $after) {
    ... on ActivityConnection {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor }
      nodes { ... on ActivityEntry { id } }
    }
  }
}
"""


async def test_a_cursor_older_than_the_90_days_pages_from_the_windows_start(
    api: Api, world: World, services: Services
) -> None:
    # given 5 entries in the window and a cursor of an entry that has since
    # passed the 90 days
    await add_entries(services.database, world.riverside.id, *({"type": "PAYMENT"},) * 5)
    gone = encode_keyset(utcnow() - timedelta(days=WINDOW_RETENTION_DAYS + 1), 10**9)
    # when staff page on from it, oldest first
    after = await page(api, world.riverside.full, first=3, after=gone)
    # then they see the window from its first entry, and nothing before it
    assert sequences(after) == [1, 2, 3]
    assert (after["pageInfo"]["hasPreviousPage"], after["pageInfo"]["hasNextPage"]) == (
        False,
        True,
    )
    # and newest first, everything in the window comes before it
    newest = await page(api, world.riverside.full, order="NEWEST_FIRST", first=3, after=gone)
    assert newest["edges"] == []
    assert newest["pageInfo"]["hasPreviousPage"] is True
    back = await page(api, world.riverside.full, order="NEWEST_FIRST", last=2, before=gone)
    assert sequences(back) == [2, 1]
    assert (back["pageInfo"]["hasPreviousPage"], back["pageInfo"]["hasNextPage"]) == (True, False)


def _steps(database_file: str, statements: list[tuple[str, Any]]) -> int:
    """SQLite virtual machine steps (in hundreds) to run ``statements`` again."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sqlite3.connect(database_file) as raw:
        raw.set_progress_handler(tick, 100)
        for statement, parameters in statements:
            raw.execute(statement, parameters).fetchall()
    return steps


@pytest.mark.sqlite_only  # PostgreSQL already starts at the cursor (figure 3: 1.01x)
async def test_a_deep_page_reads_about_as_much_as_the_first_page(
    api: Api, world: World, services: Services
) -> None:
    """SQLite picks one lower bound on ``occurred_at`` to start its index walk:
    given the 90-day cutoff and a deep cursor it must not start at the cutoff
    and step over every entry before the page."""
    database = services.database
    assert database.is_sqlite
    # given 2,000 entries
    count = 2000
    await add_entries(
        database,
        world.riverside.id,
        *({"type": "PAYMENT"},) * count,
        start=utcnow() - timedelta(days=3),
    )
    # paged through 100 at a time, without gaps or duplicates, up to the
    # cursor of the 1,900th entry
    everything: list[str] = []
    after = None
    while True:
        result = (await api.data(DEEP, {"first": 100, "after": after}, token=world.riverside.full))[
            "onlineActivity"
        ]
        everything += [n["id"] for n in result["nodes"]]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
    assert len(everything) == len(set(everything)) == count
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = database.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        first = await api.data(DEEP, {"first": 10}, token=world.riverside.full)
        first_statements = list(statements)
        statements.clear()
        deep = await api.data(DEEP, {"first": 10, "after": after}, token=world.riverside.full)
        deep_statements = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    # when both pages are read again
    assert len(first["onlineActivity"]["nodes"]) == 10
    assert deep["onlineActivity"]["pageInfo"]["hasPreviousPage"] is True
    database_file = database.url.split("///", 1)[1]
    # then the deep page costs about what the first page costs
    first_steps = _steps(database_file, first_statements)
    deep_steps = _steps(database_file, deep_statements)
    assert deep_steps <= 2 * first_steps + 5, (first_steps, deep_steps)
