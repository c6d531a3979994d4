"""Drop requests: the school's criteria are shown, staff decide (through HTTP).

"it is intended that all enrollment requests will be reviewed one at a time to
ensure ... that the request meets your criteria for valid requests (such as
Drop requests including a valid Drop Reason and/or that they are within any
specified time frame [e.g., requiring 30 days notice ...])."
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from models import ActivityEntry, Enrollment
from service.services import Services
from service.settings import Settings
from tests.api import action_factories as make
from tests.api.settings_support import set_settings
from tests.support import Api, World

CRITERIA = """
query($id: ID!) {
  node(id: $id) {
    ... on DropActivity {
      noticeDays meetsNoticePeriod availableActions
      missedCriteria { criterion code message }
    }
  }
}
"""
APPROVE_ONE = """
mutation($input: ApproveActivityInput!) {
  approveActivity(input: $input) {
    result { outcome code }
    userErrors { code field message }
  }
}
"""
APPROVE_MANY = """
mutation($input: ApproveActivitiesInput!) {
  approveActivities(input: $input) {
    approvedCount
    results { id outcome code }
    userErrors { code }
  }
}
"""
AUDIT = """
{ auditLog(filter: {action: [APPROVED]}) {
    ... on AuditConnection { edges { node { entryId staffName acceptedCriteria } } }
} }
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(require_edit_lock=False)


@dataclasses.dataclass
class Drop:
    entry: str
    entry_id: int
    enrollment_id: int


async def given_drop(
    services: Services, world: World, *, days_ahead: int, reason: str | None = "Moving away"
) -> Drop:
    db, org, north = services.database, world.riverside.id, world.riverside.locations["north"]
    fam = await make.family(db, org)
    class_id, _ = await make.klass(db, org, north)
    enrollment_id = await make.enrollment(db, org, fam.student_ids[0], class_id)
    entry_id = await make.drop_request(
        db,
        org,
        north,
        fam,
        enrollment_id,
        drop_date=make.today() + timedelta(days=days_ahead),
        reason=reason,
    )
    return Drop(make.gid("DROP", entry_id), entry_id, enrollment_id)


async def missed(api: Api, world: World, drop: Drop) -> list[str]:
    data = await api.data(CRITERIA, {"id": drop.entry}, world.riverside.full)
    return [m["criterion"] for m in data["node"]["missedCriteria"]]


async def approve_one(api: Api, world: World, drop: Drop, **fields: Any) -> dict[str, Any]:
    data = await api.data(
        APPROVE_ONE, {"input": {"id": drop.entry, **fields}}, world.riverside.full
    )
    payload: dict[str, Any] = data["approveActivity"]
    return payload


async def unchanged(services: Services, drop: Drop) -> bool:
    """The enrollment has no drop date and the entry still waits in the window."""
    enrollment = await make.load(services.database, Enrollment, drop.enrollment_id)
    entry = await make.load(services.database, ActivityEntry, drop.entry_id)
    assert enrollment is not None and entry is not None
    return enrollment.drop_date is None and entry.resolution is None


async def test_a_drop_with_short_notice_shows_the_criterion_and_is_approved_when_accepted(
    api: Api, world: World, services: Services
) -> None:
    # given a school requiring 30 days' notice and a drop asked with 10
    drop = await given_drop(services, world, days_ahead=10)

    # then the entry shows the criterion it misses, and can still be approved
    data = await api.data(CRITERIA, {"id": drop.entry}, world.riverside.full)
    node = data["node"]
    assert (node["noticeDays"], node["meetsNoticePeriod"]) == (30, False)
    assert [(m["criterion"], m["code"]) for m in node["missedCriteria"]] == [
        ("NOTICE_PERIOD", "NOTICE_PERIOD_NOT_MET")
    ]
    assert node["availableActions"] == ["APPROVE", "DENY"]

    # when staff approve it without accepting the criterion
    refused = await approve_one(api, world, drop)

    # then it fails with the criterion's code, pointing at acceptCriteria, and nothing changed
    assert refused["result"] == {"outcome": "FAILED", "code": "NOTICE_PERIOD_NOT_MET"}
    [error] = refused["userErrors"]
    assert (error["code"], error["field"]) == (
        "NOTICE_PERIOD_NOT_MET",
        ["input", "acceptCriteria"],
    )
    assert "NOTICE_PERIOD" in error["message"]
    assert await unchanged(services, drop)

    # when they accept it explicitly
    approved = await approve_one(api, world, drop, acceptCriteria=["NOTICE_PERIOD"])

    # then the drop is approved, and the audit log records what was accepted, by whom
    assert approved == {"result": {"outcome": "APPROVED", "code": None}, "userErrors": []}
    enrollment = await make.load(services.database, Enrollment, drop.enrollment_id)
    assert enrollment is not None
    assert enrollment.drop_date == make.today() + timedelta(days=10)
    audit = await api.data(AUDIT, token=world.riverside.full)
    [record] = [edge["node"] for edge in audit["auditLog"]["edges"]]
    assert (record["entryId"], record["acceptedCriteria"]) == (drop.entry, ["NOTICE_PERIOD"])
    assert record["staffName"] == "full of riverside"


async def test_a_drop_missing_both_criteria_needs_both_accepted(
    api: Api, world: World, services: Services
) -> None:
    # given a drop without a reason and with 10 days' notice
    drop = await given_drop(services, world, days_ahead=10, reason="  ")
    assert await missed(api, world, drop) == ["DROP_REASON", "NOTICE_PERIOD"]

    # when staff accept only the notice period, it fails with the reason's code
    refused = await approve_one(api, world, drop, acceptCriteria=["NOTICE_PERIOD"])
    assert refused["result"] == {"outcome": "FAILED", "code": "DROP_REASON_REQUIRED"}
    assert await unchanged(services, drop)

    # when they accept both, it is approved, both recorded in the audit log
    approved = await approve_one(api, world, drop, acceptCriteria=["NOTICE_PERIOD", "DROP_REASON"])
    assert approved["result"] == {"outcome": "APPROVED", "code": None}
    audit = await api.data(AUDIT, token=world.riverside.full)
    [node] = [edge["node"] for edge in audit["auditLog"]["edges"]]
    assert node["acceptedCriteria"] == ["DROP_REASON", "NOTICE_PERIOD"]
    enrollment = await make.load(services.database, Enrollment, drop.enrollment_id)
    assert enrollment is not None and enrollment.drop_reason is None


async def test_a_drop_meeting_the_criteria_records_no_acceptance(
    api: Api, world: World, services: Services
) -> None:
    # given a drop with 40 days' notice and a reason
    drop = await given_drop(services, world, days_ahead=40)
    assert await missed(api, world, drop) == []

    # when staff approve it, even "accepting" a criterion it meets
    approved = await approve_one(api, world, drop, acceptCriteria=["NOTICE_PERIOD"])

    # then it is approved and the audit log records no acceptance
    assert approved["result"] == {"outcome": "APPROVED", "code": None}
    audit = await api.data(AUDIT, token=world.riverside.full)
    [node] = [edge["node"] for edge in audit["auditLog"]["edges"]]
    assert node["acceptedCriteria"] == []


async def test_the_schools_reasons_and_notice_period_are_its_settings(
    api: Api, world: World, services: Services
) -> None:
    # given a school listing its valid reasons, requiring none, and 7 days' notice
    await set_settings(
        api,
        world.riverside,
        dropReasons=["Moving away", "Schedule conflict"],
        dropReasonRequired=False,
        dropNoticeDays=7,
    )
    listed = await given_drop(services, world, days_ahead=10, reason=" Schedule conflict ")
    unlisted = await given_drop(services, world, days_ahead=10, reason="Too expensive")
    blank = await given_drop(services, world, days_ahead=10, reason=None)

    # then a listed or no reason with 10 days' notice misses nothing; another reason misses
    # the reason criterion
    assert await missed(api, world, listed) == []
    assert await missed(api, world, blank) == []
    data = await api.data(CRITERIA, {"id": unlisted.entry}, world.riverside.full)
    assert [(m["criterion"], m["code"]) for m in data["node"]["missedCriteria"]] == [
        ("DROP_REASON", "INVALID_DROP_REASON")
    ]
    refused = await approve_one(api, world, unlisted)
    assert refused["result"] == {"outcome": "FAILED", "code": "INVALID_DROP_REASON"}
    assert (await approve_one(api, world, blank))["result"]["outcome"] == "APPROVED"


@pytest.mark.parametrize("select_by", ["ids", "all"])
async def test_mass_approve_never_approves_a_drop_that_misses_a_criterion(
    api: Api, world: World, services: Services, select_by: str
) -> None:
    # given a drop that meets the criteria and two that miss one
    ok = await given_drop(services, world, days_ahead=40)
    short = await given_drop(services, world, days_ahead=10)
    no_reason = await given_drop(services, world, days_ahead=40, reason=None)
    drops = [ok, short, no_reason]

    # when staff mass approve them, checked or all of them
    selection: dict[str, Any] = (
        {"ids": [d.entry for d in drops]}
        if select_by == "ids"
        else {"all": {"types": ["DROP"]}, "watermark": 10**6}
    )
    data = await api.data(APPROVE_MANY, {"input": selection}, world.riverside.full)

    # then only the one meeting the criteria is approved; each other fails with its
    # criterion's code and stays for review on its own
    payload = data["approveActivities"]
    assert payload["approvedCount"] == 1
    assert {r["id"]: (r["outcome"], r["code"]) for r in payload["results"]} == {
        ok.entry: ("APPROVED", None),
        short.entry: ("FAILED", "NOTICE_PERIOD_NOT_MET"),
        no_reason.entry: ("FAILED", "DROP_REASON_REQUIRED"),
    }
    assert await unchanged(services, short) and await unchanged(services, no_reason)


async def test_mass_approve_takes_no_acceptance(api: Api, world: World) -> None:
    # the acknowledgement exists only on approving one request at a time
    body = await api.post(
        APPROVE_MANY.replace("$input: ApproveActivitiesInput!", "$ids: [ID!]").replace(
            "approveActivities(input: $input)",
            "approveActivities(input: {ids: $ids, acceptCriteria: [NOTICE_PERIOD]})",
        ),
        {"ids": []},
        world.riverside.full,
    )
    assert body.get("errors") and "acceptCriteria" in body["errors"][0]["message"]
