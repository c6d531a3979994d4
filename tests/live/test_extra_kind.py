"""The proof that a kind is one module (issue 11): LOYALTY exists only in
``tests/kinds/`` and is registered only by its launcher
(``python -m tests.kinds.serve``). Run as a real server process, it goes
the whole way of a built-in kind: recorded through the portal, listed,
filtered, labelled for the web client's filter, counted in the badge, pushed
live, dismissed and audited; and the production schema never shows it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from domain.kinds.builtin import BUILTIN_KINDS
from service.cli import SCHEMA_FILE
from tests.live.client import LiveSocket, graphql
from tests.live.conftest import fresh_tenant, server_env
from tests.live.servers import RedisServer, Server, running

RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    entries { __typename ... on LoyaltyActivity { id type status summary points reward } }
    userErrors { code field }
  }
}
"""
EVENTS = """
subscription Events($filter: ActivityFilter) {
  activityEvents(afterSequence: 0, filter: $filter) {
    change type entryId entry { ... on LoyaltyActivity { points reward } }
  }
}
"""
WINDOW = """
query Window($filter: ActivityFilter) {
  onlineActivity(filter: $filter) {
    ... on ActivityConnection {
      totalCount
      nodes { ... on LoyaltyActivity { id summary points reward availableActions } }
    }
  }
}
"""
BADGE = "{ activityBadge { waiting pending } }"
TYPES = "{ activityTypes { type label } }"
DISMISS = """
mutation Dismiss($ids: [ID!]) {
  dismissActivities(input: {ids: $ids}) { dismissedCount userErrors { code } }
}
"""
AUDIT = """
query Audit($filter: AuditFilter) {
  auditLog(filter: $filter) {
    ... on AuditConnection { edges { node { action entryType entryId snapshot } } }
  }
}
"""
LOYALTY_ONLY = {"types": ["LOYALTY"]}


@pytest.fixture
def loyalty_server(live_database: str, redis_server: RedisServer | None, tmp_path: Path) -> Any:
    env = {**server_env(live_database, redis_server, tmp_path), "REQUIRE_EDIT_LOCK": "0"}
    with running("loyalty", env, tmp_path, launcher=["-m", "tests.kinds.serve"]) as server:
        yield server


async def test_a_kind_registered_by_its_launcher_goes_the_whole_way(
    loyalty_server: Server, live_database: str
) -> None:
    http = loyalty_server.http
    portal_key, staff = await fresh_tenant(live_database, "loyal")
    socket = await LiveSocket.open(loyalty_server.ws, staff)
    try:
        live = await socket.subscribe(EVENTS, {"filter": LOYALTY_ONLY})

        # when the portal records a loyalty redemption
        event = {"loyalty": {"points": 120, "reward": "Free swim"}}
        recorded = await graphql(
            http,
            RECORD,
            {
                "input": {
                    "idempotencyKey": uuid.uuid4().hex,
                    "family": {"externalId": "fam-1", "name": "Okafor"},
                    "event": event,
                }
            },
            portal_key,
        )

        # then it is an entry of its own type, with its typed details
        [entry] = recorded["recordPortalEvent"]["entries"]
        assert recorded["recordPortalEvent"]["userErrors"] == []
        assert entry["__typename"] == "LoyaltyActivity"
        assert (entry["type"], entry["status"]) == ("LOYALTY", "NOTIFICATION")
        assert entry["summary"] == "Okafor redeemed 120 points for Free swim"
        assert (entry["points"], entry["reward"]) == (120, "Free swim")

        # pushed live to a subscriber filtering on it
        pushed = (await socket.next(live))["activityEvents"]
        assert (pushed["change"], pushed["type"], pushed["entryId"]) == (
            "ADDED",
            "LOYALTY",
            entry["id"],
        )
        assert pushed["entry"] == {"points": 120, "reward": "Free swim"}

        # listed and filtered by its type, dismissable like any notification
        window = (await graphql(http, WINDOW, {"filter": LOYALTY_ONLY}, staff))["onlineActivity"]
        assert window["totalCount"] == 1
        assert window["nodes"] == [
            {
                "id": entry["id"],
                "summary": entry["summary"],
                "points": 120,
                "reward": "Free swim",
                "availableActions": ["DISMISS"],
            }
        ]
        other = {"types": ["PAYMENT"]}
        assert (await graphql(http, WINDOW, {"filter": other}, staff))["onlineActivity"][
            "totalCount"
        ] == 0

        # offered to the web client's type filter with its own label, after the built-in ones
        types = (await graphql(http, TYPES, token=staff))["activityTypes"]
        assert [t["type"] for t in types] == [name for name, _ in BUILTIN_KINDS] + ["LOYALTY"]
        assert types[-1] == {"type": "LOYALTY", "label": "Loyalty Reward"}

        # counted in the badge
        assert (await graphql(http, BADGE, token=staff))["activityBadge"] == {
            "waiting": 1,
            "pending": 0,
        }

        # when staff dismiss it
        dismissed = await graphql(http, DISMISS, {"ids": [entry["id"]]}, staff)
        assert dismissed["dismissActivities"] == {"dismissedCount": 1, "userErrors": []}

        # then it leaves live, the badge and the window, and the audit log has it
        removed = (await socket.next(live))["activityEvents"]
        assert (removed["change"], removed["entryId"]) == ("REMOVED", entry["id"])
        assert (await graphql(http, BADGE, token=staff))["activityBadge"]["waiting"] == 0
        audit = await graphql(http, AUDIT, {"filter": {"entryType": ["LOYALTY"]}}, staff)
        [record] = [edge["node"] for edge in audit["auditLog"]["edges"]]
        assert (record["action"], record["entryType"], record["entryId"]) == (
            "DISMISSED",
            "LOYALTY",
            entry["id"],
        )
        assert record["snapshot"]["details"]["points"] == 120
    finally:
        await socket.close()


def test_production_never_has_the_test_kind() -> None:
    # the published schema is built from the built-in kinds only
    published = SCHEMA_FILE.read_text(encoding="utf-8")
    assert "LOYALTY" not in published
    assert "LoyaltyActivity" not in published
