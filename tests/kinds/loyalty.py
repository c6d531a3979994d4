"""Loyalty: a family redeemed loyalty points for a reward (tests only).

Written as CONTRIBUTING.md says a kind is written: its portal event (checks
and recording), its typed details, its task and status policy, its summary.
A notification: staff dismiss it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.validation import Checks, Path
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "LOYALTY"


@dataclass(frozen=True)
class LoyaltyEvent(PortalEvent):
    type: ClassVar[str] = NAME
    field: ClassVar[str] = "loyalty"
    points: int
    reward: str

    def check(self, checks: Checks, path: Path) -> None:
        if self.points <= 0:
            checks.add(
                PortalEventErrorCode.NOT_POSITIVE,
                "points must be greater than zero",
                (*path, "points"),
            )
        checks.text(self.reward, (*path, "reward"), limit=200)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        return [ing.entry(NAME, {"points": self.points, "reward": self.reward})]


class LoyaltyDetails(Details):
    points: int
    reward: str


class Loyalty(Kind[LoyaltyDetails]):
    name = NAME
    label = "Loyalty Reward"
    event = LoyaltyEvent
    details = LoyaltyDetails
    task = Task.FAMILIES
    schema_module = "tests.kinds.loyalty_schema"

    def summary(self, details: LoyaltyDetails) -> str:
        return f"{family(details)} redeemed {details.points} points for {details.reward}"


KIND = Loyalty()
