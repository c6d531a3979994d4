"""Recording portal events through a server, as the customer portal does."""

from __future__ import annotations

import uuid
from typing import Any

from tests.live.client import graphql

# The names tests.support.World gives its locations (ingestion upserts them).
LOCATION_NAMES = {"north": "North Pool", "south": "South Gym", "main": "Harbour Main"}

RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { ... on ActivityEntry { id sequence } }
    userErrors { code message }
  }
}
"""


async def record_payment(
    http: str, portal_key: str, *, location: str | None = "north", amount: str = "25.00"
) -> dict[str, Any]:
    """One payment entry; returns ``{"id": global id, "sequence": n}``."""
    payment: dict[str, Any] = {"externalId": uuid.uuid4().hex, "amount": amount, "method": "card"}
    if location is not None:
        payment["location"] = {"externalId": location, "name": LOCATION_NAMES[location]}
    data = await graphql(
        http,
        RECORD,
        {
            "input": {
                "idempotencyKey": uuid.uuid4().hex,
                "family": {"externalId": "fam-live", "name": "Lee"},
                "event": {"payment": payment},
            }
        },
        portal_key,
    )
    result = data["recordPortalEvent"]
    assert result["userErrors"] == [], result["userErrors"]
    [entry] = result["entries"]
    return dict(entry)
