"""Reviewing an online order: the magnifying glass that pulls its items from stock."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from domain import actions as domain_actions
from resolvers import actions as resolvers
from schema.actions.results import user_errors
from schema.actions.selection import LOCK_TOKEN
from schema.entries import Activity, entry_object
from schema.errors import ReviewOnlineOrderError
from schema.kinds.online_order import OrderLine


@strawberry.input
class ReviewOnlineOrderInput:
    id: strawberry.ID
    lock_token: str | None = strawberry.field(default=None, description=LOCK_TOKEN)


@strawberry.type
class ReviewedOrder:
    lines: list[OrderLine]
    total: Decimal
    pulled_at: datetime | None = strawberry.field(
        description="When the items were pulled from available stock."
    )
    pulled_now: bool = strawberry.field(description="False when an earlier review pulled them.")


@strawberry.type
class ReviewOnlineOrderPayload:
    order: ReviewedOrder | None
    entry: Activity | None
    user_errors: list[ReviewOnlineOrderError]

    @classmethod
    def from_done(
        cls, done: resolvers.Done[domain_actions.OrderReview]
    ) -> ReviewOnlineOrderPayload:
        """The order as reviewed, or the problems that refused the review."""
        review = done.value
        if review is None:
            return cls(
                order=None,
                entry=None,
                user_errors=user_errors(ReviewOnlineOrderError, done.problems),
            )
        order = ReviewedOrder(
            lines=[
                OrderLine(
                    product_name=line.product_name,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
                for line in review.lines
            ],
            total=review.order.total,
            pulled_at=review.order.pulled_at,
            pulled_now=review.pulled_now,
        )
        return cls(order=order, entry=entry_object(review.entry), user_errors=[])
