"""A view-only staff member sees the window and no action buttons."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window, screenshot


def test_a_view_only_staff_member_sees_no_action_buttons(contexts: Any, shop: Shop) -> None:
    # given a pending transfer, a notification and an online order
    shop.record("transfer", events.transfer("2031-06-15"))
    shop.record("autopay", events.autopay())
    shop.record("order", events.online_order())
    # when the view-only staff member opens the window
    page = open_window(contexts(), shop, token=shop.view_only)
    # then every entry is listed, without check boxes, (x) or mass buttons
    expect(page.locator("table.entries tbody tr")).to_have_count(3)
    expect(page.locator("#lock-bar")).to_contain_text("View only")
    expect(page.locator("table.entries input[type=checkbox]")).to_have_count(0)
    expect(page.locator("table.entries button.dismiss")).to_have_count(0)
    expect(page.locator(".mass-actions")).to_have_count(0)
    # and the magnifying glass shows the entry without approve, deny, dismiss or review
    page.locator("tr[data-type=TRANSFER]").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("View only.")
    for name in ("Approve", "Deny", "Dismiss", "Review order"):
        expect(dialog.get_by_role("button", name=name)).to_have_count(0)
    expect(dialog.locator("input, select, textarea")).to_have_count(0)
    screenshot(page, "window-view-only")
