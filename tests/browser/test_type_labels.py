"""The window names types as the server's kinds label them (issue 11: the web
client holds no list of kinds; ``activityTypes`` is its one source)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window

TYPES = "{ activityTypes { type label } }"


def test_the_type_filter_and_the_rows_use_the_served_labels(contexts: Any, shop: Shop) -> None:
    # given a new student and an autopay update
    shop.record("new-student", {"newStudent": {"student": events.ANN}})
    shop.record("autopay", events.autopay())
    served = shop.query(TYPES)["activityTypes"]
    page = open_window(contexts(), shop)

    # then the type filter offers every served type, in its order, by its label
    options = page.locator("#filter-type option")
    expect(options).to_have_count(len(served) + 1)
    offered = [(o.get_attribute("value"), o.inner_text()) for o in options.all()]
    assert offered == [("ALL", "All types")] + [(t["type"], t["label"]) for t in served]
    # and a row names its type by the label, not the stored name
    student_row = page.locator("tr[data-type=NEW_STUDENT]")
    expect(student_row.locator("td").nth(1)).to_have_text("Student")

    # when staff pick a type by its label
    page.select_option("#filter-type", label="Student")
    # then only that type is shown
    expect(page.locator("table.entries tbody tr")).to_have_count(1)
    expect(page.locator("#total")).to_have_text("1 entry")
    expect(page.locator("table.entries tbody tr[data-type=NEW_STUDENT]")).to_have_count(1)
    assert page.errors == []  # type: ignore[attr-defined]
