"""Every control reachable by keyboard and labelled; no serious axe-core violations."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser import events
from tests.browser.conftest import AXE, Shop, open_window

# Rules whose passing proves every control is labelled (axe-core names).
LABEL_RULES = {"label", "button-name", "select-name", "link-name"}


def axe_violations(page: Page) -> tuple[list[dict[str, Any]], set[str]]:
    """Run axe-core (from npm, injected into the page): serious and critical
    violations, and the ids of the rules that passed."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => { const r = await axe.run(document); "
        "return {violations: r.violations, passes: r.passes.map(p => p.id)}; }"
    )
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return serious, set(result["passes"])


def unreached_by_tab(page: Page, at_least: int, limit: int = 150) -> list[str]:
    """Press Tab from the top until focus comes back round; the enabled,
    visible controls it never reached."""
    controls: list[str] = page.evaluate(
        """() => {
          const all = [...document.querySelectorAll('a[href], button, input, select, textarea')]
            .filter(el => !el.disabled && el.offsetParent !== null && !el.closest('[inert]'));
          all.forEach((el, i) => el.setAttribute('data-kbd', String(i)));
          return all.map(el => el.getAttribute('data-kbd'));
        }"""
    )
    assert len(controls) >= at_least, controls
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    reached: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        key = page.evaluate(
            "() => document.activeElement && document.activeElement.getAttribute('data-kbd')"
        )
        if key is not None:
            reached.add(key)
        if reached >= set(controls):
            break
    missing = set(controls) - reached
    return [
        page.evaluate(
            f"() => document.querySelector('[data-kbd=\"{key}\"]').outerHTML.slice(0, 120)"
        )
        for key in sorted(missing)
    ]


def given_entries(shop: Shop) -> None:
    shop.record("transfer", events.transfer("2031-06-15"))
    shop.record("autopay", events.autopay())
    shop.record("drop", events.drop_request())
    shop.record("order", events.online_order())


def test_the_window_is_keyboard_reachable_labelled_and_has_no_serious_axe_violations(
    contexts: Any, shop: Shop
) -> None:
    # given the window with a few entries (axe is injected: CSP is bypassed for it)
    given_entries(shop)
    page = open_window(contexts(bypass_csp=True), shop)
    expect(page.locator("table.entries tbody tr")).to_have_count(4)
    expect(page.locator("#lock-bar")).to_have_text("You are editing in the window.")
    # then Tab reaches every control
    assert unreached_by_tab(page, at_least=20) == []
    # and axe-core finds nothing serious, with every control labelled
    violations, passes = axe_violations(page)
    assert violations == []
    assert LABEL_RULES - {"link-name"} <= passes

    # when she opens an entry from the keyboard
    page.locator("tr[data-type=TRANSFER]").get_by_role("button", name="Open").focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    # then focus is in the dialog, its controls are labelled, and Escape returns focus
    assert page.evaluate("() => !!document.activeElement.closest('dialog[open]')")
    violations, _ = axe_violations(page)
    assert violations == []
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(
        page.locator("tr[data-type=TRANSFER]").get_by_role("button", name="Open")
    ).to_be_focused()

    # and the e-mail dialog too
    page.locator("tr[data-type=AUTOPAY]").get_by_role("checkbox").check()
    page.locator("#mass-email").click()
    expect(page.locator("dialog[open]")).to_be_visible()
    violations, _ = axe_violations(page)
    assert violations == []


def test_the_widget_and_sign_in_are_keyboard_reachable_and_have_no_serious_axe_violations(
    contexts: Any, shop: Shop
) -> None:
    # given the widget with entries
    given_entries(shop)
    context = contexts(bypass_csp=True)
    widget = open_window(context, shop, path="/widget")
    expect(widget.locator(".widget-list li")).to_have_count(4)
    expect(widget.locator("#lock-bar")).to_have_text("You are editing in the widget.")
    # then Tab reaches every control and axe finds nothing serious
    assert unreached_by_tab(widget, at_least=3) == []
    violations, passes = axe_violations(widget)
    assert violations == []
    assert {"button-name", "link-name"} <= passes
    # and the sign-in page (a tab without a token) too
    sign_in = context.new_page()
    sign_in.goto(f"{shop.base}/")
    expect(sign_in.get_by_label("Staff token")).to_be_focused()
    violations, _ = axe_violations(sign_in)
    assert violations == []
