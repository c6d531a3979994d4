"""Opt Out: "Family has opted out of recurring billing"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.errors import Problem
from domain.ingestion.context import Ingestion
from domain.ingestion.validation import Checks, Path
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.rules.billing import opt_out_refusal
from domain.vocabulary import Task

NAME = "OPT_OUT"


@dataclass(frozen=True)
class OptOutEvent(PortalEvent):
    """ "Opt Out - Family has opted out of recurring billing"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "optOut"
    reason: str | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.reason, (*path, "reason"), limit=2000, required=False)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """While the organisation requires a saved payment method
        (``opt_out_refusal``) the opt-out is refused, and recorded as
        refused: the entry says why, and so does the portal's ``notApplied``
        (not an error: the event is recorded)."""
        refusal = opt_out_refusal(
            require_saved_payment_method=(await ing.settings()).require_saved_payment_method
        )
        not_applied = None if refusal is None else Problem(refusal.code, refusal.message, ing.path)
        return [
            ing.entry(
                NAME,
                {"reason": self.reason, "refused": refusal is not None},
                not_applied=not_applied,
            )
        ]


class OptOutDetails(Details):
    reason: str | None = None
    refused: bool = False


class OptOut(Kind[OptOutDetails]):
    name = NAME
    label = "Opt Out"
    event = OptOutEvent
    details = OptOutDetails
    task = Task.PAYMENTS

    def summary(self, details: OptOutDetails) -> str:
        if details.refused:
            return (
                f"{family(details)} asked to opt out of recurring billing "
                "(refused: a saved payment method is required)"
            )
        return f"{family(details)} opted out of recurring billing"


KIND = OptOut()
