"""Payments: "Online payments", with the charges they pay."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import insert

from domain.ingestion.context import Ingestion, money
from domain.ingestion.events import LocationRef
from domain.ingestion.validation import Checks, Path, check_location
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import Charge, Payment

NAME = "PAYMENT"

DISCOUNT_SCHEDULE_NOTE = (
    "One or more charges associated with this payment were calculated using a "
    "discount schedule which has been deleted."
)


@dataclass(frozen=True)
class ChargeLine:
    external_id: str
    description: str
    amount: Decimal
    # The charge was calculated with a discount schedule deleted since.
    discount_schedule_deleted: bool = False


@dataclass(frozen=True)
class PaymentEvent(PortalEvent):
    """ "Payments - Online payments", with the charges they pay."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "payment"
    external_id: str
    amount: Decimal
    method: str
    charges: tuple[ChargeLine, ...] = ()
    location: LocationRef | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.external_id, (*path, "externalId"), limit=100)
        checks.money(self.amount, (*path, "amount"), positive=True)
        checks.text(self.method, (*path, "method"), limit=50)
        check_location(checks, self.location, (*path, "location"))
        checks.listed(self.charges, (*path, "charges"), required=False)
        for index, charge in enumerate(self.charges):
            item = (*path, "charges", str(index))
            checks.text(charge.external_id, (*item, "externalId"), limit=100)
            checks.text(charge.description, (*item, "description"), limit=300)
            checks.money(charge.amount, (*item, "amount"), positive=False)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """A payment with its charges. A charge computed with a deleted
        discount schedule is flagged so the entry shows "One or more charges
        associated with this payment were calculated using a discount
        schedule which has been deleted."."""
        location = self.location
        location_id = None if location is None else await ing.refs.location(location)
        payment_id = await ing.refs.create_once(
            Payment,
            {
                "external_id": self.external_id,
                "family_id": ing.family_id,
                "amount": self.amount,
                "method": self.method,
            },
            field=(*ing.path, "externalId"),
        )
        if self.charges:
            await ing.session.execute(
                insert(Charge),
                [
                    {
                        "payment_id": payment_id,
                        "external_id": charge.external_id,
                        "description": charge.description,
                        "amount": charge.amount,
                        "discount_schedule_deleted": charge.discount_schedule_deleted,
                    }
                    for charge in self.charges
                ],
            )
        charges = [
            {
                "description": charge.description,
                "amount": money(charge.amount),
                "discount_schedule_deleted": charge.discount_schedule_deleted,
            }
            for charge in self.charges
        ]
        facts = {"amount": money(self.amount), "method": self.method, "charges": charges}
        return [ing.entry(NAME, facts, location_id=location_id, payment_id=payment_id)]


class ChargeFacts(BaseModel):
    description: str
    amount: Decimal
    discount_schedule_deleted: bool = False


class PaymentDetails(Details):
    amount: Decimal | None = None
    method: str | None = None
    charges: list[ChargeFacts] = []

    @property
    def discount_schedule_note(self) -> str | None:
        deleted = any(c.discount_schedule_deleted for c in self.charges)
        return DISCOUNT_SCHEDULE_NOTE if deleted else None


class PaymentKind(Kind[PaymentDetails]):
    name = NAME
    label = "Payment"
    event = PaymentEvent
    details = PaymentDetails
    task = Task.PAYMENTS

    def summary(self, details: PaymentDetails) -> str:
        return f"{family(details)} paid {details.amount} online"


KIND = PaymentKind()
