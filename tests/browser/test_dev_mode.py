"""Dev mode: sign in by picking a demo staff member; GraphiQL works offline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from models.db import Database
from service.demo import seed_demo
from tests.browser.conftest import run_async, screenshot
from tests.live.servers import Server


@pytest.fixture(scope="package")
def demo(web_database: str) -> None:
    async def seed() -> None:
        database = Database(web_database)
        try:
            await seed_demo(database, now=datetime.now(UTC))
        finally:
            await database.dispose()

    run_async(seed)


def test_a_new_user_picks_a_demo_staff_member_and_sees_the_demo_window(
    contexts: Any, web_server: Server, demo: None
) -> None:
    # given the seeded demo, served in dev mode, and a tab with no token
    page = contexts().new_page()
    page.goto(f"{web_server.http}/")
    # then the sign-in page offers the demo staff
    picker = page.get_by_role("region", name="Dev mode: sign in as a demo staff member")
    expect(picker.get_by_role("button")).to_have_count(4)
    screenshot(page, "sign-in")
    # when she picks the full-rights member
    picker.get_by_role("button", name="Maya Patel (full rights)").click()
    # then the demo window opens on its first page, editing, with the badge
    expect(page.locator("table.entries tbody tr")).to_have_count(10)
    expect(page.locator("#total")).to_have_text("48 entries")
    expect(page.locator("header.top")).to_contain_text("Signed in as Maya Patel")
    expect(page.locator("#lock-bar")).to_have_text("You are editing in the window.")
    expect(page.locator("#footer-badge [data-testid=badge-count]")).to_have_text("48")
    # and the location filter lists the demo's locations
    expect(page.locator("#filter-location option")).to_have_text(
        ["All", "Harbour Street Dance Studio", "Riverside Gym", "Riverside Pool", "No location"]
    )
    screenshot(page, "window")


def test_graphiql_loads_from_the_server_alone(contexts: Any, web_server: Server) -> None:
    # when GraphiQL is opened (every request is watched: none may leave the server)
    page = contexts().new_page()
    page.goto(f"{web_server.http}/graphql")
    # then the editor is up, not stuck at "Loading..."
    expect(page.locator(".graphiql-editors")).to_be_visible()
    expect(page.locator("#graphiql")).not_to_have_text("Loading...")
