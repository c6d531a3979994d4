"""Opt-out entries and the portal's opt-out input."""

from __future__ import annotations

import strawberry

from domain.kinds.opt_out import OptOutEvent
from schema.activity import ActivityEntry


@strawberry.type
class OptOutActivity(ActivityEntry):
    pass


@strawberry.input(description="The family opted out of recurring billing.")
class OptOutEventInput:
    reason: str | None = None

    def to_domain(self) -> OptOutEvent:
        return OptOutEvent(self.reason)


OBJECT = OptOutActivity
INPUT = OptOutEventInput
