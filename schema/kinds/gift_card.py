"""Gift card entries and the portal's gift card input."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.kinds.gift_card import GiftCardDetails, GiftCardEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import LocationInput, location_ref


@strawberry.type
class GiftCardActivity(ActivityEntry):
    @property
    def d(self) -> GiftCardDetails:
        return self.facts(GiftCardDetails)

    @strawberry.field
    def amount(self) -> Decimal | None:
        return self.d.amount

    @strawberry.field
    def recipient_name(self) -> str | None:
        return self.d.recipient_name

    @strawberry.field
    def recipient_email(self) -> str | None:
        return self.d.recipient_email


@strawberry.input(description="A gift card or gift certificate purchase.")
class GiftCardEventInput:
    external_id: str
    amount: Decimal
    recipient_name: str
    recipient_email: str | None = None
    location: LocationInput | None = None

    def to_domain(self) -> GiftCardEvent:
        return GiftCardEvent(
            external_id=self.external_id,
            amount=self.amount,
            recipient_name=self.recipient_name,
            recipient_email=self.recipient_email,
            location=location_ref(self.location),
        )


OBJECT = GiftCardActivity
INPUT = GiftCardEventInput
