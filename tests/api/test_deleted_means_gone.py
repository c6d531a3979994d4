"""Deleted means gone; processed is never served as waiting.

"Denying an enrollment request deletes the request from Online Activity, and
also deletes the enrollment from the database, along with any enrollment
notes that were included." After the denial no read serves the request or
its notes: not the window, the badge and counts, ``node``, the portal's
replay of its event, nor the audit log, whose record keeps the decision
(who, when, why) without the notes. An entry staff processed is out of the
window: ``node`` no longer serves it, and an action's result says how it
left (``resolution``).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import ActivityChange, ActivityEntry, Enrollment, EnrollmentNote, PortalEvent
from service.services import Services
from service.settings import Settings
from tests.api.ingestion_support import RECORD, booking, enrollment, event_input, record
from tests.support import Api, World

NOTES = "Allergic to chlorine"
DENY = """
mutation($input: DenyActivityInput!) {
  denyActivity(input: $input) {
    result { outcome code entry { __typename } } userErrors { code }
  }
}
"""
APPROVE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) {
    result { outcome entry { ... on ActivityEntry { id status resolution availableActions } } }
  }
}
"""
SUSPEND = """
mutation($input: SuspendFamilyInput!) { suspendFamily(input: $input) { userErrors { code } } }
"""
NODE = """
query($id: ID!) { node(id: $id) { id status notes ... on ActivityEntry { resolution } } }
"""
READS = """
{
  onlineActivity(first: 100) {
    ... on ActivityConnection { totalCount nodes { ... on ActivityEntry { id notes } } }
  }
  activityBadge { waiting pending }
  activityCounts { type status count }
  auditLog(first: 50) {
    ... on AuditConnection {
      edges { node { action entryType entryId staffName reason snapshot } }
    }
  }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


async def test_a_denied_enrollment_request_and_its_notes_are_gone_from_every_read(
    api: Api, world: World, services: Services
) -> None:
    # given an enrollment request the family sent with notes
    tenant = world.riverside
    sent = {"enrollment": {"enrollment": enrollment()}}
    recorded = await record(api, tenant, "evt-1", sent, notes=NOTES)
    entry_id = recorded["entries"][0]["id"]
    assert (await api.data(NODE, {"id": entry_id}, tenant.full))["node"]["notes"] == NOTES
    # (and a staff member suspended the family from it, which the audit log recorded)
    suspended = await api.data(
        SUSPEND, {"input": {"entryId": entry_id, "note": "Unpaid"}}, tenant.full
    )
    assert suspended["suspendFamily"]["userErrors"] == []

    # when staff deny it
    denied = await api.data(
        DENY, {"input": {"id": entry_id, "reason": "Class is for adults"}}, tenant.full
    )
    assert denied["denyActivity"]["result"] == {"outcome": "DENIED", "code": None, "entry": None}

    # then no staff read serves it or its notes: node, window, badge, counts
    assert (await api.data(NODE, {"id": entry_id}, tenant.full))["node"] is None
    reads = await api.data(READS, token=tenant.full)
    assert reads["onlineActivity"] == {"totalCount": 0, "nodes": []}
    assert reads["activityBadge"] == {"waiting": 0, "pending": 0}
    assert all(c["count"] == 0 for c in reads["activityCounts"])
    # and the audit log keeps the decisions, not the deleted notes
    denial, suspension = [e["node"] for e in reads["auditLog"]["edges"]]
    assert (suspension["action"], suspension["entryId"]) == ("SUSPENDED", entry_id)
    assert (denial["action"], denial["entryType"], denial["entryId"]) == (
        "DENIED",
        "ENROLLMENT",
        entry_id,
    )
    assert (denial["staffName"], denial["reason"]) == ("full of riverside", "Class is for adults")
    assert denial["snapshot"]["deleted_enrollment"]["external_id"] == "enr-ann-swim"
    assert "chlorine" not in json.dumps(reads)

    # and the portal, retrying its event, is not served the request either
    again = await api.data(RECORD, event_input("evt-1", sent, notes=NOTES), tenant.portal_key)
    assert again["recordPortalEvent"]["replayed"] is True
    assert again["recordPortalEvent"]["entries"] == []

    # and nothing of it is left in the database but the change record replay needs
    async with services.database.read() as session:
        assert list(await session.scalars(select(ActivityEntry))) == []
        assert list(await session.scalars(select(Enrollment))) == []
        assert list(await session.scalars(select(EnrollmentNote))) == []
        payloads = list(await session.scalars(select(PortalEvent.payload)))
        changes = list(await session.scalars(select(ActivityChange.change)))
    assert "chlorine" not in json.dumps(payloads)
    assert changes == ["ADDED", "REMOVED"]


async def test_a_processed_entry_is_never_served_as_waiting(
    api: Api, world: World, services: Services
) -> None:
    # given an appointment request in the window
    tenant = world.riverside
    recorded = await record(
        api, tenant, "evt-1", {"appointment": {"booking": booking()}}, notes="Mornings only"
    )
    entry_id = recorded["entries"][0]["id"]
    waiting = (await api.data(NODE, {"id": entry_id}, tenant.full))["node"]
    assert (waiting["status"], waiting["resolution"]) == ("PENDING", None)

    # when staff approve it
    approved = await api.data(APPROVE, {"input": {"id": entry_id}}, tenant.full)

    # then the result shows how it left the window, with nothing left to do
    assert approved["approveActivity"]["result"]["entry"] == {
        "id": entry_id,
        "status": "PENDING",
        "resolution": "APPROVED",
        "availableActions": [],
    }
    # and node no longer serves it: it is read in the audit log from now on
    assert (await api.data(NODE, {"id": entry_id}, tenant.full))["node"] is None
