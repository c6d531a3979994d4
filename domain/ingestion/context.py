"""What every kind's recorder shares: the unit of work, the family, the time,
and how an entry's stored facts are written (JSON-safe, as the window reads
them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Problem
from domain.ingestion.events import FamilyRef
from domain.ingestion.references import References, ResolvedBooking, ResolvedEnrollment
from domain.journal import Journal
from domain.kinds import registry
from domain.organisation import OrganisationSettings, load_settings
from domain.recording import NOT_APPLIED_KEY, NewEntry
from domain.vocabulary import ActivityType, WindowStatus

CENTS = Decimal("0.01")


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def iso_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def money(value: Decimal) -> str:
    """Amounts are stored as exact strings ("12.50"), never floats."""
    return str(value.quantize(CENTS))


@dataclass
class Ingestion:
    """One portal event being recorded inside the caller's unit of work."""

    session: AsyncSession
    journal: Journal
    refs: References
    organisation_id: int
    portal_event_id: int
    family: FamilyRef
    family_id: int
    occurred_at: datetime
    now: datetime
    notes: str | None
    # Path of the event's input, for errors found while recording.
    path: tuple[str, ...]
    _settings: OrganisationSettings | None = None

    async def settings(self) -> OrganisationSettings:
        """The organisation's settings, read once per event when a kind needs them."""
        if self._settings is None:
            self._settings = await load_settings(self.session, self.organisation_id)
        return self._settings

    def entry(
        self,
        activity_type: str,
        details: dict[str, Any],
        *,
        auto_approved: bool | None = None,
        status: WindowStatus | None = None,
        location_id: int | None = None,
        student_id: int | None = None,
        student_name: str | None = None,
        notes: str | None = None,
        enrollment_id: int | None = None,
        appointment_id: int | None = None,
        absence_id: int | None = None,
        order_id: int | None = None,
        payment_id: int | None = None,
        not_applied: Problem | None = None,
    ) -> NewEntry:
        """An entry with the facts every type shows (family, student) and the
        status the spec gives it: "Pending - Entries that require staff
        interaction", "Approved - Entries that have been auto-approved",
        the rest notifications. ``not_applied`` records why a rule could not
        apply the event as sent (``not_applied_problems`` reads it back).
        The details are the kind's model (``Kind.dump``): a fact it does not
        know is an error here, not a silent null in the window."""
        kind = registry.kind(activity_type)
        facts: dict[str, Any] = {"family_name": self.family.name}
        if student_name:
            facts["student_name"] = student_name
        facts.update(details)
        if not_applied is not None:
            facts[NOT_APPLIED_KEY] = {
                "code": not_applied.code,
                "message": not_applied.message,
                "field": list(not_applied.field),
            }
        return NewEntry(
            type=ActivityType(activity_type),
            status=status or kind.initial_status(auto_approved=auto_approved),
            occurred_at=self.occurred_at,
            location_id=location_id,
            family_id=self.family_id,
            student_id=student_id,
            notes=self.notes if notes is None else notes,
            details=kind.dump(facts),
            portal_event_id=self.portal_event_id,
            enrollment_id=enrollment_id,
            appointment_id=appointment_id,
            absence_id=absence_id,
            order_id=order_id,
            payment_id=payment_id,
        )

    def enrollment_entry(
        self,
        activity_type: str,
        details: dict[str, Any],
        enrollment: ResolvedEnrollment,
        **more: Any,
    ) -> NewEntry:
        """An entry about one enrollment: at its class's location, for its student."""
        return self.entry(
            activity_type,
            details,
            location_id=enrollment.offering.location_id,
            student_id=enrollment.student_id,
            student_name=enrollment.student_name,
            enrollment_id=enrollment.id,
            **more,
        )

    def booking_entry(
        self, activity_type: str, details: dict[str, Any], booking: ResolvedBooking, **more: Any
    ) -> NewEntry:
        """An entry about one appointment booking: at its location, for its student."""
        return self.entry(
            activity_type,
            details,
            location_id=booking.location_id,
            student_id=booking.student_id,
            student_name=booking.student_name,
            appointment_id=booking.id,
            **more,
        )
