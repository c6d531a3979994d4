"""Absence: "Future absence requests", over one or more enrollments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.actions import request_effects as effects
from domain.ingestion.context import Ingestion, iso_date
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import EnrollmentRef
from domain.ingestion.references import ResolvedEnrollment
from domain.ingestion.validation import Checks, Path, check_enrollment
from domain.kinds.base import Details, Kind, PortalEvent, RequestedRecord, on, who
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import Absence
from models.statuses import AbsenceStatus

NAME = "ABSENCE"


def _joined(values: list[str]) -> str:
    return ", ".join(dict.fromkeys(values))


@dataclass(frozen=True)
class AbsenceEvent(PortalEvent):
    """ "Absence - Future absence requests", over one or more enrollments."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "absence"
    external_id: str
    absence_date: date
    enrollments: tuple[EnrollmentRef, ...]
    reason: str | None = None
    auto_approved: bool = False

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.external_id, (*path, "externalId"), limit=100)
        checks.text(self.reason, (*path, "reason"), limit=500, required=False)
        checks.listed(self.enrollments, (*path, "enrollments"), required=True)
        seen: set[str] = set()
        for index, enrollment in enumerate(self.enrollments):
            item = (*path, "enrollments", str(index))
            check_enrollment(checks, enrollment, item)
            if enrollment.external_id in seen:
                checks.add(
                    PortalEventErrorCode.DUPLICATE, "the same enrollment is named twice", item
                )
            seen.add(enrollment.external_id)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """One absence row per enrollment, and ONE ENTRY PER LOCATION:
        "Entries related to future absences may show multiple times if the
        absence will reflect enrollments at multiple locations." Each entry
        names the enrollments (and absence rows) of its location."""
        status = AbsenceStatus.APPROVED if self.auto_approved else AbsenceStatus.REQUESTED
        by_location: dict[int, list[tuple[ResolvedEnrollment, int]]] = {}
        # All the enrollments first, in the lock order (domain.lock_order).
        resolved = await ing.refs.enrollments(self.enrollments, ing.family_id)
        for index, enrollment in enumerate(resolved):
            absence_id = await ing.refs.create_once(
                Absence,
                {
                    "external_id": self.external_id,
                    "enrollment_id": enrollment.id,
                    "absence_date": self.absence_date,
                    "reason": self.reason,
                    "status": status,
                },
                field=(*ing.path, "enrollments", str(index), "externalId"),
                key=("organisation_id", "external_id", "enrollment_id"),
            )
            by_location.setdefault(enrollment.offering.location_id, []).append(
                (enrollment, absence_id)
            )
        return [self._entry(ing, location_id, group) for location_id, group in by_location.items()]

    def _entry(
        self, ing: Ingestion, location_id: int, group: list[tuple[ResolvedEnrollment, int]]
    ) -> NewEntry:
        students = {e.student_id for e, _ in group}
        facts = {
            "absence_date": iso_date(self.absence_date),
            "class_name": _joined([e.offering.name for e, _ in group]),
            "reason": self.reason,
            "auto_approved": self.auto_approved,
            "enrollment_ids": [e.id for e, _ in group],
            "absence_ids": [a for _, a in group],
        }
        return ing.entry(
            NAME,
            facts,
            auto_approved=self.auto_approved,
            location_id=location_id,
            student_id=next(iter(students)) if len(students) == 1 else None,
            student_name=_joined([e.student_name for e, _ in group]),
            enrollment_id=group[0][0].id if len(group) == 1 else None,
            absence_id=group[0][1] if len(group) == 1 else None,
        )


class AbsenceDetails(Details):
    absence_date: date | None = None
    class_name: str | None = None
    reason: str | None = None
    auto_approved: bool = False
    enrollment_ids: list[int] = []
    absence_ids: list[int] = []


class AbsenceKind(Kind[AbsenceDetails]):
    name = NAME
    label = "Absence"
    event = AbsenceEvent
    details = AbsenceDetails
    task = Task.ATTENDANCE
    requestable = True
    auto_approvable = True
    requested_record = RequestedRecord.ABSENCES
    approval = effects.APPROVE_ABSENCES
    denial = effects.DENY_ABSENCES

    def summary(self, details: AbsenceDetails) -> str:
        return (
            f"{who(details)} will be absent from {details.class_name or 'class'}"
            f"{on(details.absence_date)}"
        )


KIND = AbsenceKind()
