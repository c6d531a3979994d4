"""The portal reads back every field of the entries ``recordPortalEvent``
returns (location, family, student, availableActions, the drop's notice),
from its own organisation only, while staff-only reads stay staff-only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from models import ActivityEntry, Family, Organisation
from service.services import Services
from tests.api.ingestion_support import (
    ANN,
    NORTH,
    enrollment,
    event_input,
    swim_class,
)
from tests.support import Api, Tenant, World

RECORD_ALL_FIELDS = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    replayed
    entries {
      __typename
      ... on ActivityEntry {
        id status studentLabel availableActions
        location { externalId name }
        family { externalId name email }
        student { externalId firstName lastName name }
      }
      ... on DropActivity { dropDate noticeDays meetsNoticePeriod }
      ... on TransferActivity { toClassName suggestedPreviousClassDropDate }
    }
    userErrors { code field message }
  }
}
"""

WINDOW = "{ onlineActivity { ... on ActivityConnection { totalCount } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on ActivityEntry { family { name } } } }"
ACTIONS = """
query { onlineActivity { ... on ActivityConnection { nodes {
  ... on ActivityEntry { availableActions } } } } }
"""

HARBOUR_MAIN = {"externalId": "main", "name": "Harbour Main"}


def drop(drop_date: date, location: dict[str, Any] = NORTH) -> dict[str, Any]:
    return {
        "drop": {
            "enrollment": enrollment(offering=swim_class(location=location)),
            "dropDate": drop_date.isoformat(),
            "reason": "Moving away",
        }
    }


async def set_notice_days(services: Services, tenant: Tenant, days: int) -> None:
    async with services.database.write() as session:
        await session.execute(
            update(Organisation).where(Organisation.id == tenant.id).values(drop_notice_days=days)
        )


async def record(
    api: Api, tenant: Tenant, key: str, event: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """Record with the portal key, selecting every field; no top-level error."""
    data = await api.data(
        RECORD_ALL_FIELDS, event_input(key, event, **extra), token=tenant.portal_key
    )
    payload: dict[str, Any] = data["recordPortalEvent"]
    assert payload["userErrors"] == []
    return payload


async def test_the_portal_reads_back_every_field_of_a_drop_it_recorded(
    api: Api, world: World, services: Services
) -> None:
    # given an organisation that asks for 14 days of notice before a drop
    await set_notice_days(services, world.riverside, 14)
    today = datetime.now(UTC).date()

    # when the portal records a drop with enough notice and one without
    enough = await record(api, world.riverside, "evt-1", drop(today + timedelta(days=30)))
    short = await record(
        api,
        world.riverside,
        "evt-2",
        {
            "drop": {
                "enrollment": enrollment("enr-ann-dive", swim_class("cls-dive", NORTH, "Dive")),
                "dropDate": (today + timedelta(days=3)).isoformat(),
                "reason": "Moving away",
            }
        },
    )

    # then each entry shows where, who, and the organisation's notice period
    [first] = enough["entries"]
    assert first == {
        "__typename": "DropActivity",
        "id": first["id"],
        "status": "PENDING",
        "studentLabel": "Ann Lee",
        "availableActions": [],
        "location": {"externalId": "north", "name": "North Pool"},
        "family": {"externalId": "fam-lee", "name": "Lee family", "email": "lee@families.test"},
        "student": {
            "externalId": ANN["externalId"],
            "firstName": "Ann",
            "lastName": "Lee",
            "name": "Ann Lee",
        },
        "dropDate": (today + timedelta(days=30)).isoformat(),
        "noticeDays": 14,
        "meetsNoticePeriod": True,
    }
    [second] = short["entries"]
    assert (second["noticeDays"], second["meetsNoticePeriod"]) == (14, False)


async def test_a_replayed_event_reads_back_the_same_fields(api: Api, world: World) -> None:
    # given a transfer the portal recorded
    event = {
        "transfer": {
            "fromEnrollment": enrollment(),
            "toClass": swim_class("cls-dive", NORTH, "Dive 2"),
            "transferDate": "2031-06-15",
        }
    }
    first = await record(api, world.riverside, "evt-1", event)

    # when the portal retries it
    again = await record(api, world.riverside, "evt-1", event)

    # then the retry returns the same entry with all its fields
    assert again["replayed"] is True
    assert again["entries"] == first["entries"]
    [entry] = again["entries"]
    assert entry["family"]["name"] == "Lee family"
    assert entry["location"]["externalId"] == "north"
    assert entry["suggestedPreviousClassDropDate"] == "2031-06-14"


async def test_each_portal_sees_only_its_own_organisations_records(
    api: Api, world: World, services: Services
) -> None:
    # given two organisations with different notice periods, and the same
    # family id in both (each its own family)
    await set_notice_days(services, world.riverside, 14)
    await set_notice_days(services, world.harbour, 45)
    drop_date = datetime.now(UTC).date() + timedelta(days=30)

    # when both portals record a drop under the same key
    riverside = await record(api, world.riverside, "evt-1", drop(drop_date))
    harbour = await record(
        api,
        world.harbour,
        "evt-1",
        drop(drop_date, HARBOUR_MAIN),
        family={"externalId": "fam-lee", "name": "Lee of the Harbour"},
    )

    # then each payload names its own organisation's records and notice period
    [ours] = riverside["entries"]
    [theirs] = harbour["entries"]
    assert (ours["family"]["name"], ours["location"]["name"]) == ("Lee family", "North Pool")
    assert (theirs["family"]["name"], theirs["location"]["name"]) == (
        "Lee of the Harbour",
        "Harbour Main",
    )
    assert (ours["noticeDays"], ours["meetsNoticePeriod"]) == (14, True)
    assert (theirs["noticeDays"], theirs["meetsNoticePeriod"]) == (45, False)


async def test_a_foreign_record_on_an_entry_reads_as_null_for_the_portal(
    api: Api, world: World, services: Services
) -> None:
    # given a riverside entry that (through corrupt data) names a harbour family
    event = drop(datetime.now(UTC).date() + timedelta(days=30))
    await record(api, world.riverside, "evt-1", event)
    await record(
        api,
        world.harbour,
        "evt-1",
        drop(datetime.now(UTC).date() + timedelta(days=30), HARBOUR_MAIN),
        family={"externalId": "fam-sea", "name": "Secret Harbour family"},
    )
    async with services.database.write() as session:
        foreign = await session.scalar(
            select(Family.id).where(Family.organisation_id == world.harbour.id)
        )
        await session.execute(
            update(ActivityEntry)
            .where(ActivityEntry.organisation_id == world.riverside.id)
            .values(family_id=foreign)
        )

    # when the riverside portal reads the entry back (a retry)
    again = await record(api, world.riverside, "evt-1", event)

    # then the harbour family is not shown
    [entry] = again["entries"]
    assert entry["family"] is None
    assert entry["location"]["name"] == "North Pool"


async def test_the_portal_key_still_cannot_read_the_window(api: Api, world: World) -> None:
    # given an entry the portal recorded
    payload = await record(
        api, world.riverside, "evt-1", drop(datetime.now(UTC).date() + timedelta(days=30))
    )
    entry_id = payload["entries"][0]["id"]

    # when the portal key is used to read the window or the entry by id
    window_codes = await api.error_codes(WINDOW, token=world.riverside.portal_key)
    node_codes = await api.error_codes(NODE, {"id": entry_id}, token=world.riverside.portal_key)

    # then both are refused as for anyone who is not signed-in staff
    assert window_codes == ["UNAUTHENTICATED"]
    assert node_codes == ["UNAUTHENTICATED"]


async def test_staff_still_see_what_they_may_do_with_the_entry(api: Api, world: World) -> None:
    # given a drop the portal recorded (the portal saw no actions on it)
    await record(api, world.riverside, "evt-1", drop(datetime.now(UTC).date() + timedelta(days=30)))

    # when staff with full rights and staff without access read the window
    data = await api.data(ACTIONS, token=world.riverside.full)
    forbidden = await api.error_codes(ACTIONS, token=world.riverside.no_access)

    # then staff may approve or deny it, and no access is still forbidden
    [node] = data["onlineActivity"]["nodes"]
    assert set(node["availableActions"]) >= {"APPROVE", "DENY"}
    assert forbidden == ["FORBIDDEN"]
