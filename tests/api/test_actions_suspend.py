"""Suspending a family: the handling of an account deletion request."""

from __future__ import annotations

import pytest
from strawberry import relay

from domain.vocabulary import ActivityType
from models import AuditRecord, Family
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.support import Api, World

SUSPEND = """
mutation($input: SuspendFamilyInput!) {
  suspendFamily(input: $input) {
    family { name suspended }
    userErrors { code field }
  }
}
"""
WINDOW = "{ onlineActivity { ... on ActivityConnection { totalCount } } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def test_a_deletion_request_suspends_the_family_with_a_dated_note_and_deletes_nothing(
    api: Api, world: World, services: Services
) -> None:
    # given a family's account deletion request
    db, org = services.database, world.riverside.id
    fam = await make.family(db, org, "Lee")
    request = await make.entry(db, org, ActivityType.DELETION_REQUEST, family_id=fam.id)
    gid = make.gid("DELETION_REQUEST", request)
    # when staff suspend the family from the request
    data = await api.data(SUSPEND, {"input": {"entryId": gid}}, world.riverside.full)
    # then the family is suspended, not deleted, with the reason and date in its notes
    assert data["suspendFamily"] == {
        "family": {"name": "Lee", "suspended": True},
        "userErrors": [],
    }
    family = await make.load(db, Family, fam.id)
    assert family is not None
    assert family.notes == (
        f"{make.today().isoformat()}: Suspended due to an account deletion request."
    )
    assert await make.count(db, AuditRecord, AuditRecord.action == "SUSPENDED") == 1
    # the request stays in the window until staff dismiss it
    assert (await api.data(WINDOW, token=world.riverside.full))["onlineActivity"] == {
        "totalCount": 1
    }
    again = await api.data(SUSPEND, {"input": {"entryId": gid}}, world.riverside.full)
    assert again["suspendFamily"]["userErrors"] == [
        {"code": "ALREADY_SUSPENDED", "field": ["input"]}
    ]


async def test_suspending_by_family_needs_a_note_rights_and_the_callers_tenant(
    api: Api, world: World, services: Services
) -> None:
    fam = await make.family(services.database, world.riverside.id, "Park")
    foreign = await make.family(services.database, world.harbour.id, "Far")
    ours = relay.to_base64("Family", fam.id)

    async def codes(token: str, **fields: object) -> list[str]:
        data = await api.data(SUSPEND, {"input": fields}, token)
        return [e["code"] for e in data["suspendFamily"]["userErrors"]]

    assert await codes(world.riverside.full, familyId=ours) == ["REQUIRED"]
    assert await codes(world.riverside.view_only, familyId=ours, note="x") == ["ACCESS_DENIED"]
    assert await codes(
        world.riverside.full, familyId=relay.to_base64("Family", foreign.id), note="x"
    ) == ["NOT_FOUND"]
    assert await codes(world.riverside.full, familyId=ours, note="Asked by phone") == []
    family = await make.load(services.database, Family, fam.id)
    assert family is not None and family.notes.endswith("Suspended. Asked by phone")
