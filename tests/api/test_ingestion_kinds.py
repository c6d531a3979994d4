"""Each of the 17 portal event kinds, recorded with the portal key, shows in the
staff's window with its own fields, its status and its location."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.ingestion_support import (
    ANN,
    BEN,
    FAMILY,
    NORTH,
    SOUTH,
    booking,
    enrollment,
    record,
    swim_class,
    window,
)
from tests.support import Api, World

# kind input, window type, status, location external id, fields the window shows
KINDS: list[tuple[dict[str, Any], str, str, str | None, dict[str, Any]]] = [
    (
        {
            "absence": {
                "externalId": "abs-1",
                "absenceDate": "2031-05-02",
                "reason": "Dentist",
                "enrollments": [enrollment()],
            }
        },
        "AbsenceActivity",
        "PENDING",
        "north",
        {"absenceDate": "2031-05-02", "className": "Swim 1", "reason": "Dentist"},
    ),
    (
        {"appointment": {"booking": booking(), "autoApproved": True}},
        "AppointmentActivity",
        "APPROVED",
        "north",
        {
            "title": "Private lesson",
            "startsAt": "2031-05-01T15:00:00+00:00",
            "autoApproved": True,
        },
    ),
    (
        {"appointmentCanceled": {"booking": booking()}},
        "AppointmentCanceledActivity",
        "NOTIFICATION",
        "north",
        {"title": "Private lesson", "startsAt": "2031-05-01T15:00:00+00:00"},
    ),
    (
        {
            "appointmentReschedule": {
                "originalBooking": booking(),
                "booking": booking("bk-2", "2031-05-08T16:30:00+02:00"),
            }
        },
        "AppointmentRescheduleActivity",
        "PENDING",
        "north",
        {
            "startsAt": "2031-05-08T14:30:00+00:00",
            "previousStartsAt": "2031-05-01T15:00:00+00:00",
            "autoApproved": False,
        },
    ),
    (
        {"autopay": {"cardBrand": "VISA", "cardLast4": "4242"}},
        "AutopayActivity",
        "NOTIFICATION",
        None,
        {"cardBrand": "VISA", "cardLast4": "4242"},
    ),
    (
        {
            "payment": {
                "externalId": "pay-1",
                "amount": "120.50",
                "method": "card",
                "location": SOUTH,
                "charges": [
                    {"externalId": "ch-1", "description": "Tuition", "amount": "100.5"},
                    {
                        "externalId": "ch-2",
                        "description": "Registration",
                        "amount": 20,
                        "discountScheduleDeleted": True,
                    },
                ],
            }
        },
        "PaymentActivity",
        "NOTIFICATION",
        "south",
        {
            "amount": "120.50",
            "method": "card",
            "discountScheduleNote": "One or more charges associated with this payment were "
            "calculated using a discount schedule which has been deleted.",
            "charges": [
                {"description": "Tuition", "amount": "100.50", "discountScheduleDeleted": False},
                {"description": "Registration", "amount": "20.00", "discountScheduleDeleted": True},
            ],
        },
    ),
    (
        {
            "giftCard": {
                "externalId": "gc-1",
                "amount": "50",
                "recipientName": "Grandma Lee",
                "recipientEmail": "grandma@families.test",
            }
        },
        "GiftCardActivity",
        "NOTIFICATION",
        None,
        {"amount": "50.00", "recipientName": "Grandma Lee"},
    ),
    (
        {"newAccount": {"students": [ANN]}},
        "NewAccountActivity",
        "NOTIFICATION",
        None,
        {"email": "lee@families.test"},
    ),
    (
        {
            "enrollment": {
                "enrollment": enrollment("enr-new", startDate="2031-06-01", type="TRIAL"),
                "punchPass": True,
            }
        },
        "EnrollmentActivity",
        "PENDING",
        "north",
        {
            "className": "Swim 1",
            "startDate": "2031-06-01",
            "enrollmentType": "TRIAL",
            "punchPass": True,
            "autoApproved": False,
        },
    ),
    (
        {
            "drop": {
                "enrollment": enrollment(type="TRIAL"),
                "dropDate": "2031-07-01",
                "reason": "Moving away",
            }
        },
        "DropActivity",
        "PENDING",
        "north",
        {
            "className": "Swim 1",
            "dropDate": "2031-07-01",
            "reason": "Moving away",
            "enrollmentType": "TRIAL",
            "studentLabel": "Ann Lee (TRIAL)",
        },
    ),
    (
        {
            "transfer": {
                "fromEnrollment": enrollment(dropDate="2031-09-30", type="STANDARD"),
                "toClass": swim_class("cls-dive", SOUTH, "Dive 2"),
                "transferDate": "2031-06-15",
                "autoApproved": True,
            }
        },
        "TransferActivity",
        "APPROVED",
        "north",
        {
            "fromClassName": "Swim 1",
            "toClassName": "Dive 2",
            "transferDate": "2031-06-15",
            "enrollmentType": "STANDARD",
            # as the enrollment is now: the auto-approval dropped it the day before
            "currentDropDate": "2031-06-14",
            "autoApproved": True,
        },
    ),
    (
        {
            "party": {
                "externalId": "party-1",
                "partyAt": "2031-08-01T13:00:00+00:00",
                "guests": 12,
                "package": "Pool party",
                "location": NORTH,
            }
        },
        "PartyActivity",
        "NOTIFICATION",
        "north",
        {"partyAt": "2031-08-01T13:00:00+00:00", "guests": 12, "package": "Pool party"},
    ),
    (
        {"policy": {"policyName": "Photo release", "accepted": False, "student": BEN}},
        "PolicyActivity",
        "NOTIFICATION",
        None,
        {"policyName": "Photo release", "accepted": False, "studentLabel": "Ben Lee"},
    ),
    (
        {"newStudent": {"student": BEN}},
        "NewStudentActivity",
        "NOTIFICATION",
        None,
        {"studentLabel": "Ben Lee", "student": {"externalId": "stu-ben"}},
    ),
    (
        {
            "onlineOrder": {
                "externalId": "ord-1",
                "items": [
                    {
                        "product": {"externalId": "goggles", "name": "Goggles"},
                        "quantity": 2,
                        "unitPrice": "9.5",
                    }
                ],
            }
        },
        "OnlineOrderActivity",
        "NOTIFICATION",
        None,
        {
            "total": "19.00",
            "items": [{"productName": "Goggles", "quantity": 2, "unitPrice": "9.50"}],
        },
    ),
    ({"optOut": {}}, "OptOutActivity", "NOTIFICATION", None, {}),
    (
        {"deletionRequest": {"reason": "We moved"}},
        "DeletionRequestActivity",
        "NOTIFICATION",
        None,
        {"reason": "We moved"},
    ),
]


def test_every_kind_of_the_spec_is_covered() -> None:
    assert len({typename for _, typename, *_ in KINDS}) == 17


@pytest.mark.parametrize(
    ("event", "typename", "status", "location", "fields"),
    KINDS,
    ids=[typename for _, typename, *_ in KINDS],
)
async def test_a_recorded_event_shows_in_the_window_with_its_fields(
    api: Api,
    world: World,
    event: dict[str, Any],
    typename: str,
    status: str,
    location: str | None,
    fields: dict[str, Any],
) -> None:
    # given the portal records one event with a note
    payload = await record(api, world.riverside, "evt-1", event, notes="Called the desk")

    # then it answers with the entry it made
    assert payload["userErrors"] == []
    assert payload["replayed"] is False
    [made] = payload["entries"]
    assert (made["__typename"], made["status"]) == (typename, status)

    # and staff see it in the window with the type's own fields
    nodes, badge = await window(api, world.riverside)
    [entry] = nodes
    assert entry["id"] == made["id"]
    assert entry["__typename"] == typename
    assert entry["status"] == status
    assert entry["location"] == (None if location is None else {"externalId": location})
    assert entry["family"] == {"externalId": FAMILY["externalId"], "name": FAMILY["name"]}
    assert entry["notes"] == "Called the desk"
    assert entry["hasNotes"] is True
    assert {key: entry[key] for key in fields} == fields
    assert badge == {"waiting": 1, "pending": 1 if status == "PENDING" else 0}


async def test_family_level_events_are_location_independent(api: Api, world: World) -> None:
    # given a payment without a location and a payment at a location
    await record(api, world.riverside, "k1", {"optOut": {}})
    await record(
        api,
        world.riverside,
        "k2",
        {"payment": {"externalId": "p", "amount": "5", "method": "cash", "location": NORTH}},
    )

    # when staff choose "No Location"
    nodes, _ = await window(api, world.riverside, {"location": {"noLocation": True}})

    # then only the location-independent one is listed
    assert [n["__typename"] for n in nodes] == ["OptOutActivity"]
