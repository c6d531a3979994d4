"""Gift Card: "Gift card/Gift certificate purchases"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from domain.ingestion.context import Ingestion, money
from domain.ingestion.events import LocationRef
from domain.ingestion.validation import Checks, Path, check_location
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import GiftCard

NAME = "GIFT_CARD"


@dataclass(frozen=True)
class GiftCardEvent(PortalEvent):
    """ "Gift Card - Gift card/Gift certificate purchases"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "giftCard"
    external_id: str
    amount: Decimal
    recipient_name: str
    recipient_email: str | None = None
    location: LocationRef | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.external_id, (*path, "externalId"), limit=100)
        checks.money(self.amount, (*path, "amount"), positive=True)
        checks.text(self.recipient_name, (*path, "recipientName"), limit=200)
        checks.text(self.recipient_email, (*path, "recipientEmail"), limit=320, required=False)
        check_location(checks, self.location, (*path, "location"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        location = self.location
        location_id = None if location is None else await ing.refs.location(location)
        await ing.refs.create_once(
            GiftCard,
            {
                "external_id": self.external_id,
                "family_id": ing.family_id,
                "amount": self.amount,
                "recipient_name": self.recipient_name,
                "recipient_email": self.recipient_email,
            },
            field=(*ing.path, "externalId"),
        )
        facts = {
            "amount": money(self.amount),
            "recipient_name": self.recipient_name,
            "recipient_email": self.recipient_email,
        }
        return [ing.entry(NAME, facts, location_id=location_id)]


class GiftCardDetails(Details):
    amount: Decimal | None = None
    recipient_name: str | None = None
    recipient_email: str | None = None


class GiftCardKind(Kind[GiftCardDetails]):
    name = NAME
    label = "Gift Card"
    event = GiftCardEvent
    details = GiftCardDetails
    task = Task.POINT_OF_SALE
    excluded_from_notification_filter = True

    def summary(self, details: GiftCardDetails) -> str:
        return f"{family(details)} bought a {details.amount} gift card"


KIND = GiftCardKind()
