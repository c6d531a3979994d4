"""The school's clock: instants are shown in the organisation's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser import events
from tests.browser.conftest import Shop, open_window

SETTINGS = """
mutation($input: UpdateOrganisationSettingsInput!) {
  updateOrganisationSettings(input: $input) { settings { timeZone } userErrors { code } }
}
"""


def as_the_window_shows(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment:%b} {moment.day}, {moment.year}, {hour}:{moment:%M} {moment:%p}"


def test_the_window_shows_when_families_acted_on_the_schools_clock(
    contexts: Any, shop: Shop
) -> None:
    # given a school in Auckland, and a browser on UTC
    saved = shop.query(SETTINGS, {"input": {"timeZone": "Pacific/Auckland"}})
    assert saved["updateOrganisationSettings"]["settings"] == {"timeZone": "Pacific/Auckland"}
    moment = (datetime.now(UTC) - timedelta(days=2)).replace(hour=20, minute=30, microsecond=0)
    shop.record("autopay", events.autopay(), occurredAt=moment.isoformat())
    # when the window is opened
    page = open_window(contexts(timezone_id="UTC"), shop)
    # then the entry's time is Auckland's (the next morning), not the browser's
    auckland = moment.astimezone(ZoneInfo("Pacific/Auckland"))
    expect(page.locator("tr[data-type=AUTOPAY] td.when")).to_have_text(
        as_the_window_shows(auckland)
    )
    assert as_the_window_shows(auckland) != as_the_window_shows(moment)
