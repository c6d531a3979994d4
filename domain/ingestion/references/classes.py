"""Locations and the classes offered at them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from domain.ingestion.events import NOT_SENT, ClassRef, LocationRef
from domain.ingestion.references.upsert import Upserts
from models import ClassOffering, Location


@dataclass(frozen=True)
class ResolvedClass:
    id: int
    location_id: int
    name: str


class ClassRecords(Upserts):
    async def offerings(self, refs: Sequence[ClassRef]) -> None:
        """Upsert several classes in the lock order: their locations, then
        the classes, each table in id order (the per-class calls then find
        them done)."""
        by_id = {ref.external_id: ref for ref in refs}
        locations = {ref.location.external_id: ref.location for ref in refs}
        for external_id in await self._in_id_order(Location, locations):
            await self.location(locations[external_id])
        for external_id in await self._in_id_order(ClassOffering, by_id):
            await self.offering(by_id[external_id])

    async def location(self, ref: LocationRef) -> int:
        """Read first, upsert only a new or renamed location: nearly every
        event of a school names one of its few locations, and the upsert's
        row lock, held to commit, queued all of them behind each other
        (issue 10: "under overload a portal event ... must keep a bounded
        latency"). Nothing is decided from a location's row, so an
        unchanged one needs no lock."""
        key = ("location", ref.external_id)
        if key not in self._ids:
            known = (
                await self.session.execute(
                    select(Location.id, Location.name).where(
                        Location.organisation_id == self.organisation_id,
                        Location.external_id == ref.external_id,
                    )
                )
            ).one_or_none()
            if known is not None and known.name == ref.name:
                self._ids[key] = int(known.id)
                return int(known.id)
            row = await self._upsert(
                Location,
                {"external_id": ref.external_id, "name": ref.name},
                (Location.id,),
                replace=("name",),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])

    async def offering(self, ref: ClassRef) -> ResolvedClass:
        key = ("class", ref.external_id)
        if key not in self._ids:
            location_id = await self.location(ref.location)
            # Sent (a value, or null for "unlimited" / "no end date") replaces ours.
            optional = {
                "capacity": ref.capacity,
                "class_end_date": ref.class_end_date,
                "session_end_date": ref.session_end_date,
            }
            sent = tuple(name for name, value in optional.items() if value is not NOT_SENT)
            row = await self._upsert(
                ClassOffering,
                {
                    "external_id": ref.external_id,
                    "location_id": location_id,
                    "name": ref.name,
                    **{n: None if v is NOT_SENT else v for n, v in optional.items()},
                },
                (ClassOffering.id,),
                replace=("location_id", "name", *sent),
            )
            self._ids[key] = ResolvedClass(int(row.id), location_id, ref.name)
        resolved: ResolvedClass = self._ids[key]
        return resolved
