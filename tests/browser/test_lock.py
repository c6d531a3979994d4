"""The window and the widget share one edit lock: refused, take over, live."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window, screenshot


def test_the_widget_takes_over_the_window_live_and_closing_it_gives_it_back(
    contexts: Any, shop: Shop
) -> None:
    # given two notifications, and the window open for editing
    shop.record("autopay", events.autopay())
    shop.record("account", events.new_account())
    window = open_window(contexts(), shop)
    expect(window.locator("#lock-bar")).to_have_text("You are editing in the window.")
    window_dismiss = window.locator("table.entries button.dismiss")
    expect(window_dismiss).to_have_count(2)
    expect(window_dismiss.first).to_be_enabled()

    # when the same staff member opens the widget in another browser
    widget = open_window(contexts(), shop, path="/widget")
    # then it says who has it open where, offers to take over, and cannot act
    lock_bar = widget.locator("#lock-bar")
    expect(lock_bar).to_contain_text("Maya Patel has Online Activity open in the window")
    expect(widget.locator(".widget-list button.dismiss").first).to_be_disabled()
    screenshot(widget, "widget-lock-refused", ".widget")

    # when the widget takes over
    widget.get_by_role("button", name="Take over").click()
    # then the widget may act, and the window hears it at once and is disabled
    expect(lock_bar).to_have_text("You are editing in the widget.")
    expect(widget.locator(".widget-list button.dismiss").first).to_be_enabled()
    expect(window.locator("#lock-bar")).to_contain_text(
        "Editing moved: Maya Patel has Online Activity open in the widget"
    )
    for button in window_dismiss.all():
        expect(button).to_be_disabled()
    window.locator("tr[data-type=AUTOPAY]").get_by_role("checkbox").check()
    expect(window.locator("#mass-dismiss")).to_be_disabled()
    screenshot(window, "window-taken-over")
    screenshot(widget, "widget", ".widget")

    # when the widget dismisses an entry, it leaves the window live
    widget.get_by_role("button", name="Dismiss Autopay").click()
    expect(window.locator("tr[data-type=AUTOPAY]")).to_have_count(0)
    expect(widget.locator(".widget-list li")).to_have_count(1)

    # when the widget's tab closes, the lock is released and the window edits again
    widget.close()
    expect(window.locator("#lock-bar")).to_have_text("You are editing in the window.")
    expect(window.locator("table.entries button.dismiss").first).to_be_enabled()
