"""Deletion request entries and the portal's deletion-request input."""

from __future__ import annotations

import strawberry

from domain.kinds.deletion_request import ADVICE, DeletionRequestDetails, DeletionRequestEvent
from schema.activity import ActivityEntry


@strawberry.type
class DeletionRequestActivity(ActivityEntry):
    @strawberry.field
    def reason(self) -> str | None:
        return self.facts(DeletionRequestDetails).reason

    @strawberry.field(description="What the spec advises staff to do with such a request.")
    def advice(self) -> str:
        return ADVICE


@strawberry.input(description="The family asked for their account to be deleted.")
class DeletionRequestEventInput:
    reason: str | None = None

    def to_domain(self) -> DeletionRequestEvent:
        return DeletionRequestEvent(self.reason)


OBJECT = DeletionRequestActivity
INPUT = DeletionRequestEventInput
