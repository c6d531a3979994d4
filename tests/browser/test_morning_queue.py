"""A staff member works through a morning's queue in the window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.browser import events
from tests.browser.conftest import ROSSI, Inbox, Shop, open_window, screenshot

AUDIT = """
query {
  auditLog(first: 20) { ... on AuditConnection { edges { node { action reason entryType } } } }
}
"""


def hours_ago(hours: int) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def given_a_morning_queue(shop: Shop) -> None:
    shop.record("transfer", events.transfer("2031-06-15"), occurredAt=hours_ago(30))
    shop.record("enroll-ben", events.enrollment_request(), occurredAt=hours_ago(29))
    shop.record("autopay", events.autopay(), occurredAt=hours_ago(28))
    shop.record("drop-ben", events.drop_request(reason="Moving away"), occurredAt=hours_ago(27))
    shop.record("order", events.online_order(), occurredAt=hours_ago(26))
    shop.record("rossi", events.new_account(), family=ROSSI, occurredAt=hours_ago(25))
    shop.record("new-student", {"newStudent": {"student": events.ANN}}, occurredAt=hours_ago(24))


def row(page: Page, entry_type: str) -> Any:
    return page.locator(f"tr[data-type={entry_type}]")


def sent_inputs(page: Page, operation: str) -> list[dict[str, Any]]:
    """The inputs the page sent for one mutation, read off the wire."""
    seen: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/graphql"):
            body = json.loads(request.post_data or "{}")
            if f"mutation {operation}" in body.get("query", ""):
                seen.append(body["variables"]["input"])

    page.on("request", on_request)
    return seen


def test_a_staff_member_works_through_the_morning_queue(
    contexts: Any, shop: Shop, inbox: Inbox
) -> None:
    # given seven entries of the morning, three of them waiting for approve or deny
    given_a_morning_queue(shop)
    context: BrowserContext = contexts()
    page = open_window(context, shop)
    # (the token of the printed link leaves the address bar once signed in)
    assert "token" not in page.url
    expect(page.locator("#total")).to_have_text("7 entries")
    expect(page.locator("#lock-bar")).to_contain_text("You are editing in the window")
    expect(page.locator("#footer-badge [data-testid=badge-count]")).to_have_text("7")
    approvals = sent_inputs(page, "ApproveOne")

    # when she filters the pending requests
    page.select_option("#filter-status", "PENDING")
    # then only the transfer, the enrollment request and the drop are shown
    expect(page.locator("table.entries tbody tr")).to_have_count(3)
    expect(page.locator("#total")).to_have_text("3 entries")
    expect(row(page, "DROP")).to_contain_text("Ben Lee (TRIAL)")
    screenshot(page, "window-pending")

    # when she opens the transfer: "Drop Date For Previous Class" is the day
    # before the transfer date, and she moves it two days earlier and approves
    row(page, "TRANSFER").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Drop Date For Previous Class")).to_have_value("2031-06-14")
    expect(dialog.get_by_label("Enrollment type")).to_be_enabled()
    screenshot(page, "detail-transfer")
    dialog.get_by_label("Drop Date For Previous Class").fill("2031-06-12")
    dialog.get_by_role("button", name="Approve", exact=True).click()
    # then the transfer leaves the window, approved with the date she chose
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("[data-testid=results-summary]")).to_have_text("1 entry approved.")
    expect(row(page, "TRANSFER")).to_have_count(0)
    assert approvals[-1]["previousClassDropDate"] == "2031-06-12"

    # when she denies the enrollment request with a reason
    row(page, "ENROLLMENT").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    # (told first what denying it does, as the server words it)
    expect(dialog.locator(".deny")).to_contain_text(
        "Denying an enrollment request deletes the request and the enrollment, with its notes."
    )
    dialog.get_by_label("Reason for denying").fill("Junior Gym is for ages 6 to 9")
    dialog.get_by_role("button", name="Deny").click()
    # then it is gone, and the audit log keeps her reason
    expect(page.locator("[data-testid=results-summary]")).to_have_text("1 entry denied.")
    expect(row(page, "ENROLLMENT")).to_have_count(0)
    audit = [edge["node"] for edge in shop.query(AUDIT)["auditLog"]["edges"]]
    assert {
        "action": "DENIED",
        "reason": "Junior Gym is for ages 6 to 9",
        "entryType": "ENROLLMENT",
    } in audit

    # when she mass dismisses the autopay update with the pending drop checked
    page.select_option("#filter-status", "ALL")
    expect(page.locator("#total")).to_have_text("5 entries")
    row(page, "AUTOPAY").get_by_role("checkbox").check()
    row(page, "DROP").get_by_role("checkbox").check()
    expect(page.locator("[data-testid=checked-count]")).to_have_text("2 checked")
    page.locator("#mass-dismiss").click()
    # then the autopay is dismissed and the drop is not: it must be approved or denied
    expect(page.locator("[data-testid=results-summary]")).to_have_text(
        "1 entry dismissed, 1 not: see below."
    )
    problem = page.locator(".problems li[data-code=MUST_APPROVE_OR_DENY]")
    expect(problem).to_contain_text("must be approved or denied")
    expect(problem).to_contain_text("Ben Lee (TRIAL)")
    expect(row(page, "AUTOPAY")).to_have_count(0)
    expect(row(page, "DROP")).to_have_count(1)
    screenshot(page, "window-dismiss-error")

    # when she opens the online order: it has no (x), she reviews it, then dismisses it
    expect(row(page, "ONLINE_ORDER").get_by_role("button", name="Dismiss")).to_have_count(0)
    row(page, "ONLINE_ORDER").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("button", name="Dismiss")).to_have_count(0)
    dialog.get_by_role("button", name="Review order").click()
    expect(dialog.locator(".review")).to_contain_text("pulled from available stock")
    screenshot(page, "detail-order-reviewed")
    dialog.get_by_role("button", name="Dismiss").click()
    expect(page.locator("[data-testid=results-summary]")).to_have_text("1 entry dismissed.")
    expect(row(page, "ONLINE_ORDER")).to_have_count(0)

    # when she e-mails three entries of two families, one of which opted out
    for entry_type in ("DROP", "NEW_ACCOUNT", "NEW_STUDENT"):
        row(page, entry_type).get_by_role("checkbox").check()
    page.locator("#mass-email").click()
    dialog = page.locator("dialog[open]")
    # then the number of selected families is at the top before sending, and who is skipped
    expect(dialog.locator("[data-testid=families-selected]")).to_have_text(
        "2 families selected (3 entries): 1 family will receive it."
    )
    expect(dialog.locator(".selected-count .skipped")).to_have_text(
        "Rossi: opted out of email blasts"
    )
    # and the Email Variables box lists what the API offers, inserting one at the cursor
    expect(dialog.locator(".variables li")).to_have_count(4)
    dialog.get_by_label("Subject").fill("Your requests at the pool")
    dialog.get_by_label("Body").fill("Hello ")
    dialog.get_by_role("button", name="Insert {{family_name}}").click()
    dialog.get_by_label("Body").press("End")
    dialog.get_by_label("Body").type(", we have your requests.")
    # when she previews it: rendered for the family that will receive it, nothing sent
    dialog.get_by_role("button", name="Preview for one family").click()
    sample = dialog.get_by_role("region", name="Preview for one family")
    expect(sample).to_contain_text("Preview for Lee <lee@families.test>")
    expect(sample.locator(".sample-body")).to_have_text("Hello Lee, we have your requests.")
    assert inbox.to("lee@families.test") == []
    screenshot(page, "email")
    dialog.get_by_role("button", name="Send").click()
    # then one family got it and the opted-out family was skipped, with why
    expect(dialog.locator("[data-testid=email-summary]")).to_have_text(
        "Sent to 1 family of 2 selected; 1 skipped."
    )
    expect(dialog.locator(".email-result .skipped")).to_have_text(
        "Rossi: opted out of email blasts"
    )
    screenshot(page, "email-sent")
    [mail] = inbox.to("lee@families.test")
    assert mail["Subject"] == "Your requests at the pool"
    assert "Hello Lee, we have your requests." in mail.get_payload()
    assert inbox.to("rossi@families.test") == []
    assert page.errors == []  # type: ignore[attr-defined]
