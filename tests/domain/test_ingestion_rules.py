"""Ingestion rules as plain functions: what makes two events the same, and
what a portal event must look like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.errors import InvalidRequest
from domain.ingestion.events import FamilyRef, PortalEventRequest
from domain.ingestion.idempotency import canonical_payload, payload_hash
from domain.ingestion.validation import validate_request
from domain.kinds.opt_out import OptOutEvent
from domain.kinds.payment import PaymentEvent

NOW = datetime(2031, 1, 1, 12, 0, tzinfo=UTC)
FAMILY = FamilyRef("fam-1", "Lee")


def payment(amount: str, occurred_at: datetime | None = None) -> PortalEventRequest:
    event = PaymentEvent(external_id="p1", amount=Decimal(amount), method="card")
    return PortalEventRequest("k", FAMILY, event, occurred_at=occurred_at)


def test_the_same_amount_spelled_differently_hashes_the_same() -> None:
    assert payload_hash(canonical_payload(payment("10.5"))) == payload_hash(
        canonical_payload(payment("10.50"))
    )
    assert payload_hash(canonical_payload(payment("10.5"))) != payload_hash(
        canonical_payload(payment("10.6"))
    )


def test_the_same_instant_in_another_time_zone_hashes_the_same() -> None:
    utc = payment("1", occurred_at=NOW)
    paris = payment("1", occurred_at=NOW.astimezone(ZoneInfo("Europe/Paris")))
    assert payload_hash(canonical_payload(utc)) == payload_hash(canonical_payload(paris))


def test_the_payload_names_its_kind() -> None:
    assert canonical_payload(payment("1"))["kind"] == "PAYMENT"


@pytest.mark.parametrize(
    ("ahead", "refused"), [(timedelta(minutes=4), False), (timedelta(minutes=6), True)]
)
def test_a_portal_clock_slightly_ahead_is_tolerated(ahead: timedelta, refused: bool) -> None:
    request = PortalEventRequest("k", FAMILY, OptOutEvent(), occurred_at=NOW + ahead)
    if refused:
        with pytest.raises(InvalidRequest) as error:
            validate_request(request, now=NOW)
        assert [p.code for p in error.value.problems] == ["IN_THE_FUTURE"]
    else:
        validate_request(request, now=NOW)


def test_every_problem_is_reported_with_its_path() -> None:
    request = PortalEventRequest(
        "",
        FamilyRef("", "Lee", email="not-an-email"),
        PaymentEvent(external_id="p1", amount=Decimal("-1"), method="card"),
    )
    with pytest.raises(InvalidRequest) as error:
        validate_request(request, now=NOW)
    assert {(p.code, p.field) for p in error.value.problems} == {
        ("REQUIRED", ("input", "idempotencyKey")),
        ("REQUIRED", ("input", "family", "externalId")),
        ("INVALID_EMAIL", ("input", "family", "email")),
        ("NOT_POSITIVE", ("input", "event", "payment", "amount")),
    }
