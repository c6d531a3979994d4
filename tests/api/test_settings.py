"""The organisation's settings through HTTP: read and changed with the Settings
task, audited, and applied by the rules at once."""

from __future__ import annotations

from typing import Any

from domain.vocabulary import PermissionLevel, Task
from service.provisioning import FULL_RIGHTS, create_staff
from service.services import Services
from tests.api.ingestion_support import enrollment, record, window
from tests.api.settings_support import set_settings, update_settings
from tests.support import Api, World

SETTINGS = """
{ organisationSettings {
    timeZone dropNoticeDays dropReasonRequired dropReasons punchPassEnrollments
    requireSavedPaymentMethod
} }
"""
AUDIT = """
{ auditLog(filter: {action: [SETTINGS_CHANGED]}) {
    ... on AuditConnection {
      edges { node { action staffName entryId entryType settingsChanges { setting from to } } }
    }
} }
"""
ME = "{ me { organisation { name timeZone today } } }"
DEFAULTS = {
    "timeZone": "UTC",
    "dropNoticeDays": 30,
    "dropReasonRequired": True,
    "dropReasons": [],
    "punchPassEnrollments": True,
    "requireSavedPaymentMethod": False,
}


async def read_settings(api: Api, token: str) -> dict[str, Any]:
    data = await api.data(SETTINGS, token=token)
    settings: dict[str, Any] = data["organisationSettings"]
    return settings


async def audit_records(api: Api, token: str) -> list[dict[str, Any]]:
    data = await api.data(AUDIT, token=token)
    return [edge["node"] for edge in data["auditLog"]["edges"]]


async def staff_with(services: Services, world: World, settings: PermissionLevel) -> str:
    async with services.database.write() as session:
        _, token = await create_staff(
            session,
            organisation_id=world.riverside.id,
            name="Front desk",
            email=f"desk-{settings.value.lower()}@riverside.test",
            permissions={**FULL_RIGHTS, Task.SETTINGS: settings},
        )
    return token


async def test_staff_read_the_settings_the_rules_depend_on(api: Api, world: World) -> None:
    # given a new organisation; then its settings are the product's defaults
    assert await read_settings(api, world.riverside.full) == DEFAULTS


async def test_a_change_is_saved_audited_and_shown_on_me(api: Api, world: World) -> None:
    # when a staff member with full rights on Settings changes some of them
    saved = await set_settings(
        api,
        world.riverside,
        timeZone="America/Chicago",
        dropNoticeDays=14,
        dropReasons=["  Moving away ", "Schedule conflict"],
        requireSavedPaymentMethod=True,
    )

    # then they are saved as given (reasons trimmed), the rest left as they were
    expected = {
        **DEFAULTS,
        "timeZone": "America/Chicago",
        "dropNoticeDays": 14,
        "dropReasons": ["Moving away", "Schedule conflict"],
        "requireSavedPaymentMethod": True,
    }
    assert saved == expected
    assert await read_settings(api, world.riverside.full) == expected
    # and the audit log says who changed what, from what to what
    [record_] = await audit_records(api, world.riverside.full)
    assert (record_["action"], record_["staffName"], record_["entryId"]) == (
        "SETTINGS_CHANGED",
        "full of riverside",
        None,
    )
    assert record_["settingsChanges"] == [
        {"setting": "timeZone", "from": "UTC", "to": "America/Chicago"},
        {"setting": "dropNoticeDays", "from": 30, "to": 14},
        {"setting": "dropReasons", "from": [], "to": ["Moving away", "Schedule conflict"]},
        {"setting": "requireSavedPaymentMethod", "from": False, "to": True},
    ]
    # and every staff member sees the organisation's time zone
    me = await api.data(ME, token=world.riverside.view_only)
    assert me["me"]["organisation"]["timeZone"] == "America/Chicago"
    # and the other tenant's settings are untouched
    assert await read_settings(api, world.harbour.full) == DEFAULTS


async def test_a_change_that_changes_nothing_is_not_audited(api: Api, world: World) -> None:
    saved = await set_settings(api, world.riverside, dropNoticeDays=30, timeZone="UTC")
    assert saved == DEFAULTS
    assert await audit_records(api, world.riverside.full) == []


async def test_bad_settings_are_refused_whole_with_every_problem(api: Api, world: World) -> None:
    # when a change has a bad time zone, notice period and reasons
    payload = await update_settings(
        api,
        world.riverside.full,
        timeZone="Mars/Olympus_Mons",
        dropNoticeDays=-1,
        dropReasons=["Moving away", " ", "Moving away ", "x" * 201],
        punchPassEnrollments=False,
    )

    # then each problem is named at its field, and nothing changed
    assert payload["settings"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_TIME_ZONE", ["input", "timeZone"]),
        ("INVALID_NOTICE_PERIOD", ["input", "dropNoticeDays"]),
        ("BLANK_DROP_REASON", ["input", "dropReasons", "1"]),
        ("DUPLICATE_DROP_REASON", ["input", "dropReasons", "2"]),
        ("DROP_REASON_TOO_LONG", ["input", "dropReasons", "3"]),
    ]
    assert await read_settings(api, world.riverside.full) == DEFAULTS
    assert await audit_records(api, world.riverside.full) == []


async def test_the_settings_task_decides_who_reads_and_who_changes(
    api: Api, world: World, services: Services
) -> None:
    viewer = await staff_with(services, world, PermissionLevel.VIEW)
    nobody = await staff_with(services, world, PermissionLevel.NONE)

    # a staff member with view on Settings reads them but cannot change them
    assert await read_settings(api, viewer) == DEFAULTS
    refused = await update_settings(api, viewer, dropNoticeDays=7)
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("ACCESS_DENIED", ["input"])
    ]
    # one without it reads nothing
    assert await api.error_codes(SETTINGS, token=nobody) == ["FORBIDDEN"]
    # the portal is not staff
    assert await api.error_codes(SETTINGS, token=world.riverside.portal_key) == ["UNAUTHENTICATED"]
    # and Settings rights do not need the Online Activity window's
    assert (await set_settings_as(api, world.riverside.no_access, dropNoticeDays=7)) == 7
    assert (await read_settings(api, world.riverside.full))["dropNoticeDays"] == 7


async def set_settings_as(api: Api, token: str, **changes: Any) -> int:
    payload = await update_settings(api, token, **changes)
    assert payload["userErrors"] == []
    days: int = payload["settings"]["dropNoticeDays"]
    return days


async def test_punch_pass_enrollments_appear_as_the_setting_says(
    api: Api, world: World, services: Services
) -> None:
    # given the school hides enrollments made by redeeming a punch pass
    await set_settings(api, world.riverside, punchPassEnrollments=False)
    hidden = await record(
        api,
        world.riverside,
        "evt-1",
        {"enrollment": {"enrollment": enrollment(), "punchPass": True, "autoApproved": True}},
    )
    # then such an enrollment makes no entry
    assert (hidden["entries"], hidden["userErrors"]) == ([], [])

    # when it shows them again, the next one appears
    await set_settings(api, world.riverside, punchPassEnrollments=True)
    shown = await record(
        api,
        world.riverside,
        "evt-2",
        {
            "enrollment": {
                "enrollment": enrollment("enr-ann-2"),
                "punchPass": True,
                "autoApproved": True,
            }
        },
    )
    assert [e["__typename"] for e in shown["entries"]] == ["EnrollmentActivity"]


OPT_OUT_ENTRY = """
query($id: ID!) { node(id: $id) { ... on ActivityEntry {
  status summary availableActions notApplied { code message }
} } }
"""


async def test_an_opt_out_is_refused_and_recorded_while_a_saved_payment_method_is_required(
    api: Api, world: World, services: Services
) -> None:
    # given "Require saved payment method authorized for recurring billing" is on
    await set_settings(api, world.riverside, requireSavedPaymentMethod=True)

    # when the portal sends an opt-out anyway
    payload = await record(api, world.riverside, "evt-1", {"optOut": {"reason": "Cash"}})

    # then it is recorded, nothing lost (no userErrors: the event was not refused)...
    assert payload["userErrors"] == []
    [entry] = payload["entries"]
    # ...and the opt-out itself is refused with a clear reason, naming the entry
    assert [(n["entryId"], n["code"], n["field"]) for n in payload["notApplied"]] == [
        (entry["id"], "OPT_OUT_NOT_OFFERED", ["input", "event", "optOut"])
    ]
    # and staff see it as refused, with the reason
    shown = await api.data(OPT_OUT_ENTRY, {"id": entry["id"]}, world.riverside.full)
    assert shown["node"]["status"] == "NOTIFICATION"
    assert shown["node"]["notApplied"]["code"] == "OPT_OUT_NOT_OFFERED"
    assert "refused" in shown["node"]["summary"]
    assert shown["node"]["availableActions"] == ["DISMISS"]
    nodes, _ = await window(api, world.riverside)
    assert [n["id"] for n in nodes] == [entry["id"]]
    # and a retry gets the same answer
    again = await record(api, world.riverside, "evt-1", {"optOut": {"reason": "Cash"}})
    assert (again["replayed"], again["userErrors"], again["notApplied"]) == (
        True,
        [],
        payload["notApplied"],
    )

    # when the school offers opt-out again, an opt-out is a plain notification
    await set_settings(api, world.riverside, requireSavedPaymentMethod=False)
    accepted = await record(api, world.riverside, "evt-2", {"optOut": {"reason": "Cash"}})
    assert (accepted["userErrors"], accepted["notApplied"]) == ([], [])
    shown = await api.data(
        OPT_OUT_ENTRY, {"id": accepted["entries"][0]["id"]}, world.riverside.full
    )
    assert shown["node"]["notApplied"] is None
    assert shown["node"]["summary"] == "Lee family opted out of recurring billing"
