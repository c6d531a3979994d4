"""The detail views: class full and overbook, a makeup transfer, drop criteria,
the discount-schedule note, a deletion request's suspension; and per-item
results of mass actions ("class full", "review the order first")."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import ROSSI, Shop, open_window, screenshot

ACCEPTED = """
query {
  auditLog(first: 1) { ... on AuditConnection { edges { node { action acceptedCriteria } } } }
}
"""
TINY = events.swim_class("cls-tiny", "Private Swim", capacity=1)


def request_into_tiny(student: dict[str, str]) -> dict[str, Any]:
    return {
        "enrollment": {
            "enrollment": events.enrollment(f"enr-{student['externalId']}-tiny", student, TINY)
        }
    }


def test_mass_results_say_class_full_and_review_the_order_first_and_one_can_overbook(
    contexts: Any, shop: Shop
) -> None:
    # given two requests for the one seat of a class, and an unreviewed online order
    shop.record("ann-tiny", request_into_tiny(events.ANN))
    shop.record("ben-tiny", request_into_tiny(events.BEN))
    shop.record("order", events.online_order())
    page = open_window(contexts(), shop)
    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(3)

    # when she checks both requests and mass approves
    for entry in rows.filter(has_text="Private Swim").all():
        entry.get_by_role("checkbox").check()
    page.locator("#mass-approve").click()
    # then the older one takes the seat and the other fails: class full
    expect(page.locator("[data-testid=results-summary]")).to_have_text(
        "1 entry approved, 1 not: see below."
    )
    expect(page.locator(".problems li[data-code=CLASS_FULL]")).to_contain_text(
        "Enrollment — Ben Lee: class full"
    )

    # when she mass dismisses the online order, it must be reviewed first
    page.locator("tr[data-type=ONLINE_ORDER]").get_by_role("checkbox").check()
    page.locator("#mass-dismiss").click()
    expect(page.locator(".problems li[data-code=REVIEW_REQUIRED]")).to_contain_text(
        "review the order first"
    )

    # when she approves Ben's request alone, it is refused until she chooses to overbook
    page.locator("tr[data-type=ENROLLMENT]").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    overbook = dialog.get_by_label("Approve even though the class is full (overbook)")
    expect(overbook).to_be_hidden()
    dialog.get_by_role("button", name="Approve", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("full")
    expect(overbook).to_be_visible()
    screenshot(page, "detail-class-full")
    overbook.check()
    dialog.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("[data-testid=results-summary]")).to_have_text("1 entry approved.")
    expect(page.locator("tr[data-type=ENROLLMENT]")).to_have_count(0)


def test_the_detail_views_show_what_review_needs(contexts: Any, shop: Shop) -> None:
    # given a makeup transfer, a drop without reason or notice, a payment on a
    # deleted discount schedule and a deletion request
    makeup = events.transfer("2031-06-15")
    makeup["transfer"]["fromEnrollment"]["type"] = "MAKEUP"
    shop.record("makeup", makeup)
    shop.record(
        "drop",
        {
            "drop": {
                "enrollment": events.enrollment(
                    "enr-ben-swim3", events.BEN, events.swim_class("cls-swim3", "Swim 3")
                ),
                "dropDate": "2020-01-01",
            }
        },
    )
    charge = {
        "externalId": "chg-1",
        "description": "Swim 1 tuition",
        "amount": "80.00",
        "discountScheduleDeleted": True,
    }
    shop.record(
        "payment",
        {
            "payment": {
                "externalId": "pay-1",
                "amount": "80.00",
                "method": "Visa",
                "charges": [charge],
                "location": events.NORTH,
            }
        },
    )
    shop.record("deletion", {"deletionRequest": {"reason": "Moving abroad"}}, family=ROSSI)
    page = open_window(contexts(), shop)

    # then a makeup transfer keeps its enrollment type
    page.locator("tr[data-type=TRANSFER]").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Enrollment type")).to_be_disabled()
    expect(dialog).to_contain_text("The type of a makeup enrollment cannot be changed.")
    page.keyboard.press("Escape")

    # and a drop lists the school's criteria it misses, refused until she accepts each
    page.locator("tr[data-type=DROP]").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    criteria = dialog.locator(".drop-criteria")
    expect(criteria.locator("li[data-code=DROP_REASON_REQUIRED]")).to_contain_text(
        "A drop reason is required."
    )
    expect(criteria.locator("li[data-code=NOTICE_PERIOD_NOT_MET]")).to_contain_text(
        "Drops need 30 days notice"
    )
    dialog.get_by_role("button", name="Approve", exact=True).click()
    expect(dialog.get_by_role("alert")).to_contain_text("misses the school's criteria above")
    for box in criteria.get_by_label("Approve anyway: I accept this").all():
        box.check()
    screenshot(page, "detail-drop")
    dialog.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("[data-testid=results-summary]")).to_have_text("1 entry approved.")
    accepted = shop.query(ACCEPTED)["auditLog"]["edges"][0]["node"]
    assert accepted == {"action": "APPROVED", "acceptedCriteria": ["DROP_REASON", "NOTICE_PERIOD"]}

    # and a payment shows the deleted discount schedule note
    page.locator("tr[data-type=PAYMENT]").get_by_role("button", name="Open").click()
    expect(page.locator("dialog[open] [role=note]")).to_have_text(
        "One or more charges associated with this payment were calculated using a "
        "discount schedule which has been deleted."
    )
    page.keyboard.press("Escape")

    # and from a deletion request she suspends the family with a note, then dismisses it
    page.locator("tr[data-type=DELETION_REQUEST]").get_by_role("button", name="Open").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("no account is deleted automatically")
    dialog.get_by_label("Suspension note").fill("Asked to close the account by phone too.")
    dialog.get_by_role("button", name="Suspend family").click()
    expect(dialog.locator(".suspend")).to_have_text("Rossi is suspended, with a note.")
    screenshot(page, "detail-deletion-request")
    dialog.get_by_role("button", name="Dismiss").click()
    expect(page.locator("tr[data-type=DELETION_REQUEST]")).to_have_count(0)
