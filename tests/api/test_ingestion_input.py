"""Malformed portal events are refused with the field at fault, and nothing
is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.services import Services
from tests.api.ingestion_support import (
    FAMILY,
    GOGGLES,
    RECORD,
    booking,
    enrollment,
    event_input,
    row_counts,
    swim_class,
)
from tests.support import Api, World

PAYMENT = {"externalId": "p1", "amount": "10", "method": "card"}
ITEM = {"product": GOGGLES, "quantity": 1, "unitPrice": "9.50"}
IN_AN_HOUR = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

BAD_INPUTS: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str]]] = [
    (
        "blank key",
        {"optOut": {}},
        {"idempotencyKey": "  "},
        "REQUIRED",
        ["input", "idempotencyKey"],
    ),
    (
        "naive time",
        {"optOut": {}},
        {"occurredAt": "2031-01-01T10:00:00"},
        "NAIVE_DATETIME",
        ["input", "occurredAt"],
    ),
    (
        "future time",
        {"optOut": {}},
        {"occurredAt": IN_AN_HOUR},
        "IN_THE_FUTURE",
        ["input", "occurredAt"],
    ),
    (
        "blank family name",
        {"optOut": {}},
        {"family": {**FAMILY, "name": ""}},
        "REQUIRED",
        ["input", "family", "name"],
    ),
    (
        "negative quantity",
        {"onlineOrder": {"externalId": "o", "items": [ITEM, {**ITEM, "quantity": -1}]}},
        {},
        "NOT_POSITIVE",
        ["input", "event", "onlineOrder", "items", "1", "quantity"],
    ),
    (
        "order without items",
        {"onlineOrder": {"externalId": "o", "items": []}},
        {},
        "EMPTY_LIST",
        ["input", "event", "onlineOrder", "items"],
    ),
    (
        "zero payment",
        {"payment": {**PAYMENT, "amount": "0"}},
        {},
        "NOT_POSITIVE",
        ["input", "event", "payment", "amount"],
    ),
    (
        "fraction of a cent",
        {"payment": {**PAYMENT, "amount": "10.001"}},
        {},
        "INVALID_AMOUNT",
        ["input", "event", "payment", "amount"],
    ),
    (
        "negative gift card",
        {"giftCard": {"externalId": "g", "amount": "-5", "recipientName": "Kim"}},
        {},
        "NOT_POSITIVE",
        ["input", "event", "giftCard", "amount"],
    ),
    (
        "absence without enrollments",
        {"absence": {"externalId": "a", "absenceDate": "2031-05-02", "enrollments": []}},
        {},
        "EMPTY_LIST",
        ["input", "event", "absence", "enrollments"],
    ),
    (
        "reschedule onto itself",
        {"appointmentReschedule": {"originalBooking": booking(), "booking": booking()}},
        {},
        "SAME_BOOKING",
        ["input", "event", "appointmentReschedule", "booking", "externalId"],
    ),
    (
        "naive booking time",
        {"appointment": {"booking": booking(starts_at="2031-05-01T15:00:00")}},
        {},
        "NAIVE_DATETIME",
        ["input", "event", "appointment", "booking", "startsAt"],
    ),
    (
        "transfer to the same class",
        {
            "transfer": {
                "fromEnrollment": enrollment(),
                "toClass": swim_class(),
                "transferDate": "2031-06-01",
            }
        },
        {},
        "SAME_CLASS",
        ["input", "event", "transfer", "toClass", "externalId"],
    ),
    (
        "card digits",
        {"autopay": {"cardLast4": "42"}},
        {},
        "INVALID_CARD_LAST4",
        ["input", "event", "autopay", "cardLast4"],
    ),
]


@pytest.mark.parametrize(
    ("event", "extra", "code", "field"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
async def test_bad_input_is_refused_with_its_field_and_changes_nothing(
    api: Api,
    world: World,
    services: Services,
    event: dict[str, Any],
    extra: dict[str, Any],
    code: str,
    field: list[str],
) -> None:
    # given the state before
    before = await row_counts(services.database)

    # when the portal sends a malformed event
    variables = event_input("evt-1", event)
    variables["input"].update(extra)
    data = await api.data(RECORD, variables, token=world.riverside.portal_key)

    # then it gets the problem at its field and nothing is recorded
    payload = data["recordPortalEvent"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["entries"] == []
    assert await row_counts(services.database) == before


async def test_every_problem_is_reported_at_once(api: Api, world: World) -> None:
    variables = event_input("", {"payment": {**PAYMENT, "amount": "-1", "method": ""}})
    payload = (await api.data(RECORD, variables, token=world.riverside.portal_key))[
        "recordPortalEvent"
    ]
    assert {e["code"] for e in payload["userErrors"]} == {"REQUIRED", "NOT_POSITIVE"}
    assert len(payload["userErrors"]) == 3


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({}, "exactly one key"),
        ({"optOut": {}, "deletionRequest": {}}, "exactly one key"),
        ({"optOut": None}, "must be non-null"),
    ],
    ids=["no kind", "two kinds", "null kind"],
)
async def test_an_event_must_name_exactly_one_kind(
    api: Api, world: World, services: Services, event: dict[str, Any], message: str
) -> None:
    # given the state before
    before = await row_counts(services.database)

    # when the event names no kind or several, GraphQL's @oneOf refuses the document
    body = await api.post(RECORD, event_input("evt-1", event), token=world.riverside.portal_key)

    # then the request fails validation as a whole and nothing is recorded
    assert body["data"] is None
    assert [message in error["message"] for error in body["errors"]] == [True]
    assert await row_counts(services.database) == before
