"""Changing an organisation's settings through the API, for the rule tests."""

from __future__ import annotations

from typing import Any

from tests.support import Api, Tenant

UPDATE_SETTINGS = """
mutation($input: UpdateOrganisationSettingsInput!) {
  updateOrganisationSettings(input: $input) {
    settings {
      timeZone dropNoticeDays dropReasonRequired dropReasons punchPassEnrollments
      requireSavedPaymentMethod
    }
    userErrors { code field message }
  }
}
"""


async def update_settings(api: Api, token: str, **changes: Any) -> dict[str, Any]:
    """The payload of ``updateOrganisationSettings`` with these input fields."""
    data = await api.data(UPDATE_SETTINGS, {"input": changes}, token)
    payload: dict[str, Any] = data["updateOrganisationSettings"]
    return payload


async def set_settings(api: Api, tenant: Tenant, **changes: Any) -> dict[str, Any]:
    """Change settings as the tenant's staff member with full rights; must succeed."""
    payload = await update_settings(api, tenant.full, **changes)
    assert payload["userErrors"] == [], payload["userErrors"]
    settings: dict[str, Any] = payload["settings"]
    return settings
