"""Check-all acts on everything matching the filter, and never on what arrived unseen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Dialog, expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window


def test_check_all_dismisses_every_matching_notification_but_not_what_arrived_since(
    contexts: Any, shop: Shop
) -> None:
    # given 12 notifications (two pages) and a pending request, the window loaded
    for n in range(12):
        shop.record(f"autopay-{n}", events.autopay(f"{2000 + n}"))
    shop.record("drop", events.drop_request(reason="Moving away"))
    page = open_window(contexts(), shop)
    expect(page.locator("#total")).to_have_text("13 entries")
    # and one more notification arriving after she loaded it
    shop.record("late", events.new_account())
    expect(page.locator("#show-new")).to_have_text("1 new entry: show")

    # when she uses the check-all box and Dismiss, and confirms
    page.get_by_label("Check all entries matching the filter").check()
    expect(page.locator(".select-all-note")).to_contain_text("All 13 entries matching the filter")
    expect(page.locator("[data-testid=checked-count]")).to_have_text("13 checked")
    # and the e-mail over all of them counts their families on the server
    page.locator("#mass-email").click()
    expect(page.locator("dialog[open] [data-testid=families-selected]")).to_have_text(
        "1 family selected (all entries matching the filter): 1 family will receive it."
    )
    page.keyboard.press("Escape")
    asked: list[str] = []

    def confirm(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    page.locator("#mass-dismiss").click()
    # then the 12 notifications on both pages are dismissed, the pending drop is
    # skipped, and the account that arrived unseen is left alone
    expect(page.locator("[data-testid=results-summary]")).to_contain_text("12 entries dismissed")
    assert "Dismiss all 13 entries matching the filter?" in asked[0]
    expect(page.locator("#total")).to_have_text("2 entries")
    expect(page.locator("table.entries tbody tr")).to_have_count(2)
    expect(page.locator("tr[data-type=NEW_ACCOUNT]")).to_have_count(1)
    expect(page.locator("tr[data-type=DROP]")).to_have_count(1)
