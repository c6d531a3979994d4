"""Portal events as the customer portal sends them, for the ingestion tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Base
from models.db import Database
from tests.support import Api, Tenant

RECORD = """
mutation Record($input: RecordPortalEventInput!) {
  recordPortalEvent(input: $input) {
    replayed
    entries { __typename ... on ActivityEntry { id status sequence summary } }
    notApplied { entryId code field message }
    userErrors { code field message }
  }
}
"""

WINDOW = """
query Window($filter: ActivityFilter) {
  onlineActivity(filter: $filter, first: 100) {
    ... on ActivityConnection {
      totalCount
      nodes {
        __typename
        ... on ActivityEntry {
          id status summary studentLabel notes hasNotes
          location { externalId } family { externalId name } student { externalId }
        }
        ... on AbsenceActivity { absenceDate className reason }
        ... on AppointmentActivity { title startsAt autoApproved }
        ... on AppointmentCanceledActivity { title startsAt }
        ... on AppointmentRescheduleActivity { title startsAt previousStartsAt autoApproved }
        ... on AutopayActivity { cardBrand cardLast4 }
        ... on PaymentActivity {
          amount method discountScheduleNote
          charges { description amount discountScheduleDeleted }
        }
        ... on GiftCardActivity { amount recipientName recipientEmail }
        ... on NewAccountActivity { email }
        ... on EnrollmentActivity { className startDate enrollmentType punchPass autoApproved }
        ... on DropActivity { className dropDate reason enrollmentType }
        ... on TransferActivity {
          fromClassName toClassName transferDate enrollmentType currentDropDate autoApproved
        }
        ... on PartyActivity { partyAt guests package }
        ... on PolicyActivity { policyName accepted }
        ... on OnlineOrderActivity { total items { productName quantity unitPrice } }
        ... on DeletionRequestActivity { reason }
      }
    }
  }
  activityBadge { waiting pending }
}
"""

FAMILY = {"externalId": "fam-lee", "name": "Lee family", "email": "lee@families.test"}
NORTH = {"externalId": "north", "name": "North Pool"}
SOUTH = {"externalId": "south", "name": "South Gym"}
ANN = {"externalId": "stu-ann", "firstName": "Ann", "lastName": "Lee"}
GOGGLES = {"externalId": "goggles", "name": "Goggles"}
BEN = {"externalId": "stu-ben", "firstName": "Ben", "lastName": "Lee"}


def swim_class(
    external_id: str = "cls-swim", location: dict[str, Any] = NORTH, name: str = "Swim 1"
) -> dict[str, Any]:
    return {"externalId": external_id, "name": name, "location": location, "capacity": 8}


def enrollment(
    external_id: str = "enr-ann-swim",
    offering: dict[str, Any] | None = None,
    student: dict[str, Any] = ANN,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "student": student,
        "class": offering or swim_class(),
        **extra,
    }


def booking(
    external_id: str = "bk-1", starts_at: str = "2031-05-01T15:00:00+00:00", **extra: Any
) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "title": "Private lesson",
        "startsAt": starts_at,
        "location": NORTH,
        "student": ANN,
        **extra,
    }


def event_input(key: str, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"input": {"idempotencyKey": key, "family": FAMILY, "event": event, **extra}}


async def record(
    api: Api, tenant: Tenant, key: str, event: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """Send one event with the tenant's portal key; returns the payload."""
    data = await api.data(RECORD, event_input(key, event, **extra), token=tenant.portal_key)
    payload: dict[str, Any] = data["recordPortalEvent"]
    return payload


async def window(
    api: Api, tenant: Tenant, filter: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The window as a staff member with full rights sees it, and the badge."""
    data = await api.data(WINDOW, {"filter": filter}, token=tenant.full)
    return data["onlineActivity"]["nodes"], data["activityBadge"]


async def row_counts(database: Database) -> dict[str, int]:
    async with database.read() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }
