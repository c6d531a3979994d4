"""Party booking entries and the portal's party input."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.kinds.party import PartyDetails, PartyEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import LocationInput, location_ref


@strawberry.type
class PartyActivity(ActivityEntry):
    @property
    def d(self) -> PartyDetails:
        return self.facts(PartyDetails)

    @strawberry.field
    def party_at(self) -> datetime | None:
        return self.d.party_at

    @strawberry.field
    def guests(self) -> int | None:
        return self.d.guests

    @strawberry.field
    def package(self) -> str | None:
        return self.d.package


@strawberry.input(description="A party booking.")
class PartyEventInput:
    external_id: str
    party_at: datetime
    guests: int
    package: str
    location: LocationInput | None = None

    def to_domain(self) -> PartyEvent:
        return PartyEvent(
            external_id=self.external_id,
            party_at=self.party_at,
            guests=self.guests,
            package=self.package,
            location=location_ref(self.location),
        )


OBJECT = PartyActivity
INPUT = PartyEventInput
