"""Payment entries and the portal's payment input."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.kinds.payment import ChargeLine as DomainChargeLine
from domain.kinds.payment import PaymentDetails, PaymentEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import LocationInput, location_ref


@strawberry.type
class ChargeLine:
    description: str
    amount: Decimal
    discount_schedule_deleted: bool


@strawberry.type
class PaymentActivity(ActivityEntry):
    @property
    def d(self) -> PaymentDetails:
        return self.facts(PaymentDetails)

    @strawberry.field
    def amount(self) -> Decimal | None:
        return self.d.amount

    @strawberry.field
    def method(self) -> str | None:
        return self.d.method

    @strawberry.field
    def charges(self) -> list[ChargeLine]:
        return [
            ChargeLine(
                description=c.description,
                amount=c.amount,
                discount_schedule_deleted=c.discount_schedule_deleted,
            )
            for c in self.d.charges
        ]

    @strawberry.field(
        description="The spec's note when a charge used a since-deleted discount schedule."
    )
    def discount_schedule_note(self) -> str | None:
        return self.d.discount_schedule_note


@strawberry.input
class ChargeInput:
    external_id: str
    description: str
    amount: Decimal
    discount_schedule_deleted: bool = strawberry.field(
        default=False,
        description="Calculated with a discount schedule that has since been deleted.",
    )

    def to_domain(self) -> DomainChargeLine:
        return DomainChargeLine(
            self.external_id, self.description, self.amount, self.discount_schedule_deleted
        )


@strawberry.input(description="An online payment and the charges it pays.")
class PaymentEventInput:
    external_id: str
    amount: Decimal
    method: str
    charges: list[ChargeInput] = strawberry.field(default_factory=list)
    location: LocationInput | None = None

    def to_domain(self) -> PaymentEvent:
        return PaymentEvent(
            external_id=self.external_id,
            amount=self.amount,
            method=self.method,
            charges=tuple(c.to_domain() for c in self.charges),
            location=location_ref(self.location),
        )


OBJECT = PaymentActivity
INPUT = PaymentEventInput
