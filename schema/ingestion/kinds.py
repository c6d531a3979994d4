"""The portal's call: who, when, and one kind's event (the @oneOf input
``schema.entries`` builds from the registry, each kind's input in its
module of ``schema.kinds``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ingestion import events
from schema.entries import PortalEventDetailsInput
from schema.ingestion.references import FamilyInput


@strawberry.input(description="One thing a family did in the customer portal.")
class RecordPortalEventInput:
    idempotency_key: str = strawberry.field(
        description="Unique per event within the organisation: a retry with the same key and "
        "input returns the first result; another input with it is refused."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="When the family acted, with a time zone offset; now when omitted.",
    )
    family: FamilyInput
    notes: str | None = strawberry.field(default=None, description="The family's notes.")
    event: PortalEventDetailsInput

    def to_domain(self) -> events.PortalEventRequest:
        return events.PortalEventRequest(
            idempotency_key=self.idempotency_key,
            family=self.family.to_domain(),
            event=self.event.to_domain(),
            occurred_at=self.occurred_at,
            notes=self.notes,
        )
