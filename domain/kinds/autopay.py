"""Autopay: "Saved payment information updates"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.validation import Checks, Path
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "AUTOPAY"


@dataclass(frozen=True)
class AutopayEvent(PortalEvent):
    """ "Autopay - Saved payment information updates"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "autopay"
    card_brand: str | None = None
    card_last4: str | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.card_brand, (*path, "cardBrand"), limit=50, required=False)
        last4 = self.card_last4
        if last4 is not None and not (len(last4) == 4 and last4.isdigit()):
            checks.add(
                PortalEventErrorCode.INVALID_CARD_LAST4,
                "cardLast4 must be 4 digits",
                (*path, "cardLast4"),
            )

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        return [ing.entry(NAME, {"card_brand": self.card_brand, "card_last4": self.card_last4})]


class AutopayDetails(Details):
    card_brand: str | None = None
    card_last4: str | None = None


class Autopay(Kind[AutopayDetails]):
    name = NAME
    label = "Autopay"
    event = AutopayEvent
    details = AutopayDetails
    task = Task.PAYMENTS

    def summary(self, details: AutopayDetails) -> str:
        return f"{family(details)} updated saved payment information"


KIND = Autopay()
