"""Paging as the spec describes it: type a page number or size, press Tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window, screenshot


def test_typing_a_page_number_then_tab_shows_that_page(contexts: Any, shop: Shop) -> None:
    # given 23 autopay updates, oldest first, 10 per page by default
    start = datetime.now(UTC) - timedelta(days=3)
    for n in range(23):
        at = (start + timedelta(minutes=n)).isoformat()
        shop.record(f"autopay-{n}", events.autopay(f"{1000 + n}"), occurredAt=at)
    page = open_window(contexts(), shop)
    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(10)
    expect(page.locator("#total")).to_have_text("23 entries")
    expect(page.locator("#page-number-top-of")).to_have_text("of 3")

    # when she types 3 in the page box and presses Tab
    page.locator("#page-number-top").fill("3")
    page.locator("#page-number-top").press("Tab")
    # then the last three entries (the newest) are shown, on page 3
    expect(rows).to_have_count(3)
    expect(page.locator("#page-number-top")).to_have_value("3")
    pages = page.get_by_role("navigation", name="Pages", exact=True)
    expect(pages.get_by_role("button", name="Page 3")).to_have_attribute("aria-current", "page")

    # when she sets 5 per page and presses Tab: page 1 of 5
    page.locator("#page-size-top").fill("5")
    page.locator("#page-size-top").press("Tab")
    expect(rows).to_have_count(5)
    expect(page.locator("#page-number-top-of")).to_have_text("of 5")
    expect(page.locator("#page-number-top")).to_have_value("1")

    # when she follows the page link 4, then "Previous"
    pages.get_by_role("button", name="Page 4").click()
    expect(page.locator("#page-number-top")).to_have_value("4")
    first_on_four = rows.first.inner_text()
    pages.get_by_role("button", name="Previous").click()
    expect(page.locator("#page-number-top")).to_have_value("3")
    assert rows.first.inner_text() != first_on_four
    screenshot(page, "window-paging")

    # when she types a page past the end, the last page is shown
    page.locator("#page-number-top").fill("9")
    page.locator("#page-number-top").press("Tab")
    expect(page.locator("#page-number-top")).to_have_value("5")
    expect(rows).to_have_count(3)
