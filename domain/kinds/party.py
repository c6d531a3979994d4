"""Parties: "New party bookings"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from domain.ingestion.context import Ingestion, iso_datetime
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import LocationRef
from domain.ingestion.validation import Checks, Path, check_location
from domain.kinds.base import Details, Instant, Kind, PortalEvent, family, on
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import PartyBooking

NAME = "PARTY"


@dataclass(frozen=True)
class PartyEvent(PortalEvent):
    """ "Parties - New party bookings"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "party"
    external_id: str
    party_at: datetime
    guests: int
    package: str
    location: LocationRef | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.external_id, (*path, "externalId"), limit=100)
        checks.aware(self.party_at, (*path, "partyAt"))
        if self.guests <= 0:
            checks.add(
                PortalEventErrorCode.NOT_POSITIVE,
                "guests must be greater than zero",
                (*path, "guests"),
            )
        checks.text(self.package, (*path, "package"), limit=200)
        check_location(checks, self.location, (*path, "location"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        location = self.location
        location_id = None if location is None else await ing.refs.location(location)
        await ing.refs.create_once(
            PartyBooking,
            {
                "external_id": self.external_id,
                "location_id": location_id,
                "family_id": ing.family_id,
                "party_at": self.party_at,
                "guests": self.guests,
                "package": self.package,
            },
            field=(*ing.path, "externalId"),
        )
        facts = {
            "party_at": iso_datetime(self.party_at),
            "guests": self.guests,
            "package": self.package,
        }
        return [ing.entry(NAME, facts, location_id=location_id)]


class PartyDetails(Details):
    party_at: Instant | None = None
    guests: int | None = None
    package: str | None = None


class Party(Kind[PartyDetails]):
    name = NAME
    label = "Party"
    event = PartyEvent
    details = PartyDetails
    task = Task.PARTIES
    excluded_from_notification_filter = True

    def summary(self, details: PartyDetails) -> str:
        when = None if details.party_at is None else details.party_at.isoformat()
        return f"{family(details)} booked a party{on(when)}"


KIND = Party()
