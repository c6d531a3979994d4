"""Live: new entries wait behind a banner, processed ones leave, the badge moves."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, graphql, open_window, screenshot

ACQUIRE = """
mutation { acquireEditLock(input: {surface: WINDOW}) { lease { token } userErrors { code } } }
"""
DISMISS = """
mutation($input: DismissActivitiesInput!) {
  dismissActivities(input: $input) { dismissedCount userErrors { code } }
}
"""


def test_a_portal_event_appears_in_an_open_window_and_moves_the_badge(
    contexts: Any, shop: Shop
) -> None:
    # given the window open on two entries, the badge at 2
    [autopay] = shop.record("autopay", events.autopay())
    shop.record("account", events.new_account())
    page = open_window(contexts(), shop)
    badge = page.locator("#footer-badge [data-testid=badge-count]")
    expect(badge).to_have_text("2")
    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(2)

    # when the portal records an enrollment request through the API
    shop.record("enroll", events.enrollment_request())
    # then a banner offers it instead of the rows moving, and the badge counts it
    banner = page.locator("#show-new")
    expect(banner).to_have_text("1 new entry: show")
    expect(badge).to_have_text("3")
    expect(rows).to_have_count(2)
    shop.record("drop", events.drop_request())
    expect(banner).to_have_text("2 new entries: show")
    expect(badge).to_have_text("4")
    screenshot(page, "window-new-entries")
    # when she shows them
    banner.click()
    expect(rows).to_have_count(4)
    expect(page.locator("#show-new")).to_have_count(0)

    # when a colleague dismisses the autopay update from their own window
    lease = graphql(shop.base, ACQUIRE, {}, shop.colleague)["acquireEditLock"]["lease"]
    done = graphql(
        shop.base,
        DISMISS,
        {"input": {"ids": [autopay["id"]], "lockToken": lease["token"]}},
        shop.colleague,
    )
    assert done["dismissActivities"]["dismissedCount"] == 1
    # then it leaves this window without a reload, and the badge follows
    expect(page.locator("tr[data-type=AUTOPAY]")).to_have_count(0)
    expect(rows).to_have_count(3)
    expect(badge).to_have_text("3")
    expect(page.locator("#total")).to_have_text("3 entries")


def test_the_badge_disappears_at_zero(contexts: Any, shop: Shop) -> None:
    # given one notification in the window
    shop.record("autopay", events.autopay())
    page = open_window(contexts(), shop)
    badge = page.locator("#footer-badge")
    expect(badge.locator("[data-testid=badge-count]")).to_have_text("1")
    # when she dismisses it with its (x)
    page.get_by_role("button", name="Dismiss Autopay").click()
    # then there is no red area left, only the words for screen readers
    expect(badge.locator("[data-testid=badge-count]")).to_have_count(0)
    expect(badge).to_have_attribute("data-waiting", "0")
    expect(page.locator("table.entries td.empty")).to_have_text("No entries match these filters.")
