"""The LOYALTY kind's GraphQL object and portal input (tests only)."""

from __future__ import annotations

import strawberry

from schema.activity import ActivityEntry
from tests.kinds.loyalty import LoyaltyDetails, LoyaltyEvent


@strawberry.type
class LoyaltyActivity(ActivityEntry):
    @strawberry.field
    def points(self) -> int:
        return self.facts(LoyaltyDetails).points

    @strawberry.field
    def reward(self) -> str:
        return self.facts(LoyaltyDetails).reward


@strawberry.input(description="Loyalty points redeemed for a reward.")
class LoyaltyEventInput:
    points: int
    reward: str

    def to_domain(self) -> LoyaltyEvent:
        return LoyaltyEvent(self.points, self.reward)


OBJECT = LoyaltyActivity
INPUT = LoyaltyEventInput
