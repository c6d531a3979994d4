"""Autopay entries and the portal's saved-payment input."""

from __future__ import annotations

import strawberry

from domain.kinds.autopay import AutopayDetails, AutopayEvent
from schema.activity import ActivityEntry


@strawberry.type
class AutopayActivity(ActivityEntry):
    @property
    def d(self) -> AutopayDetails:
        return self.facts(AutopayDetails)

    @strawberry.field
    def card_brand(self) -> str | None:
        return self.d.card_brand

    @strawberry.field
    def card_last4(self) -> str | None:
        return self.d.card_last4


@strawberry.input(description="Saved payment information was updated.")
class AutopayEventInput:
    card_brand: str | None = None
    card_last4: str | None = None

    def to_domain(self) -> AutopayEvent:
        return AutopayEvent(self.card_brand, self.card_last4)


OBJECT = AutopayActivity
INPUT = AutopayEventInput
