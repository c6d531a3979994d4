"""The audit log is scoped as the window is (issue 10, "Audit log across
locations"): staff limited to some locations read only records whose
subject (an entry, a family) touches nothing but their locations, and never
organisation-wide ones."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry import relay

from domain.vocabulary import ActivityType
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.api.test_email import EMAIL, Inbox, smtp
from tests.support import Api, World

__all__ = ["smtp"]  # the real SMTP server of test_email, a fixture here too

AUDIT = """
{ auditLog(first: 50) { ... on AuditConnection { edges { node {
    action reason snapshot locationId
} } } } }
"""
SUSPEND = """
mutation($input: SuspendFamilyInput!) {
  suspendFamily(input: $input) { family { name } userErrors { code } }
}
"""


@pytest.fixture
def settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:
    return settings.replace(smtp_host="127.0.0.1", smtp_port=smtp[1], require_edit_lock=False)


async def audit(api: Api, token: str) -> list[dict[str, Any]]:
    data = await api.data(AUDIT, token=token)
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def email(api: Api, token: str, entry_ids: list[str], subject: str) -> None:
    data = await api.data(
        EMAIL,
        {"input": {"ids": entry_ids, "subject": subject, "body": "Hello {{family_name}}"}},
        token,
    )
    assert data["emailFamilies"]["userErrors"] == []
    assert data["emailFamilies"]["sent"] == 1


async def test_staff_of_one_location_read_no_email_to_another_locations_family(
    api: Api, world: World, services: Services
) -> None:
    # given families of North, of South, of both, and of a location-independent entry
    db, org, town = services.database, world.riverside.id, world.riverside
    north, south = town.locations["north"], town.locations["south"]
    families = {}
    for name in ("Norah", "Sven", "Both", "Anywhere"):
        families[name] = await make.family(db, org, name, email=f"{name.lower()}@example.test")
    entries = {
        "Norah": [
            await make.entry(
                db, org, ActivityType.PAYMENT, location_id=north, family_id=families["Norah"].id
            )
        ],
        "Sven": [
            await make.entry(
                db, org, ActivityType.PAYMENT, location_id=south, family_id=families["Sven"].id
            )
        ],
        "Both": [
            await make.entry(
                db, org, ActivityType.PAYMENT, location_id=north, family_id=families["Both"].id
            ),
            await make.entry(
                db, org, ActivityType.ABSENCE, location_id=south, family_id=families["Both"].id
            ),
        ],
        "Anywhere": [
            await make.entry(
                db, org, ActivityType.DELETION_REQUEST, family_id=families["Anywhere"].id
            )
        ],
    }
    # when staff of all locations email each family on its own
    for name, ids in entries.items():
        kinds = ["ABSENCE" if n else "PAYMENT" for n, _ in enumerate(ids)]
        if name == "Anywhere":
            kinds = ["DELETION_REQUEST"]
        gids = [make.gid(kind, i) for kind, i in zip(kinds, ids, strict=True)]
        await email(api, town.full, gids, f"To {name}")
    # then staff of all locations read all four emails
    assert sorted(r["reason"] for r in await audit(api, town.full)) == [
        "To Anywhere",
        "To Both",
        "To Norah",
        "To Sven",
    ]
    # and North's staff read the emails to North's family and to the family
    # of a location-independent entry only: not South's address, subject or body
    seen = await audit(api, town.north_only)
    assert sorted(r["reason"] for r in seen) == ["To Anywhere", "To Norah"]
    assert not any("sven@example.test" in str(r["snapshot"]) for r in seen)
    assert [r["locationId"] for r in seen if r["reason"] == "To Norah"] == [
        relay.to_base64("Location", north)
    ]


async def test_suspensions_and_settings_changes_are_scoped_too(
    api: Api, world: World, services: Services
) -> None:
    db, org, town = services.database, world.riverside.id, world.riverside
    south = town.locations["south"]
    sven = await make.family(db, org, "Sven")
    await make.entry(db, org, ActivityType.PAYMENT, location_id=south, family_id=sven.id)
    nobody = await make.family(db, org, "Nowhere")
    # North's staff cannot suspend South's family, nor one no entry places anywhere
    for family in (sven, nobody):
        refused = await api.data(
            SUSPEND,
            {"input": {"familyId": relay.to_base64("Family", family.id), "note": "x"}},
            town.north_only,
        )
        assert refused["suspendFamily"] == {"family": None, "userErrors": [{"code": "NOT_FOUND"}]}
    # staff of all locations can; North's staff read neither record
    for family in (sven, nobody):
        done = await api.data(
            SUSPEND,
            {"input": {"familyId": relay.to_base64("Family", family.id), "note": "By phone"}},
            town.full,
        )
        assert done["suspendFamily"]["userErrors"] == []
    assert [r["action"] for r in await audit(api, town.full)] == ["SUSPENDED", "SUSPENDED"]
    assert await audit(api, town.north_only) == []
