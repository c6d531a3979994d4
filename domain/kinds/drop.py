"""Drop: "Enrollment Drop requests", always reviewed by staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.actions import request_effects as effects
from domain.ingestion.context import Ingestion, iso_date
from domain.ingestion.events import EnrollmentRef
from domain.ingestion.validation import Checks, Path, check_enrollment
from domain.kinds.base import Details, Kind, PortalEvent, RequestedRecord, on, who
from domain.recording import NewEntry
from domain.rules.drops import student_label as drop_student_label
from domain.rules.enrollment_types import EnrollmentType
from domain.vocabulary import Task

NAME = "DROP"


@dataclass(frozen=True)
class DropEvent(PortalEvent):
    """ "Drop - Enrollment Drop requests"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "drop"
    enrollment: EnrollmentRef
    drop_date: date
    reason: str | None = None

    def check(self, checks: Checks, path: Path) -> None:
        check_enrollment(checks, self.enrollment, (*path, "enrollment"))
        checks.text(self.reason, (*path, "reason"), limit=500, required=False)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """A drop request keeps the date and reason on the entry; the
        enrollment stays as it is until staff approve ("Drop - Enrollment
        Drop requests" must be reviewed for "a valid Drop Reason" and the
        notice period)."""
        enrollment = await ing.refs.enrollment(self.enrollment, ing.family_id)
        facts = {
            "class_name": enrollment.offering.name,
            "drop_date": iso_date(self.drop_date),
            "reason": self.reason,
            "enrollment_type": enrollment.type,
        }
        return [
            ing.enrollment_entry(
                NAME,
                facts,
                enrollment,
            )
        ]


class DropDetails(Details):
    class_name: str | None = None
    drop_date: date | None = None
    reason: str | None = None
    enrollment_type: str | None = None


class Drop(Kind[DropDetails]):
    name = NAME
    label = "Drop"
    event = DropEvent
    details = DropDetails
    task = Task.ENROLLMENTS
    requestable = True
    always_pending = True
    shown_by_drop_settings = True
    enrollment_request = True
    requested_record = RequestedRecord.RUNNING_ENROLLMENT
    approval = effects.APPLY_DROP

    def summary(self, details: DropDetails) -> str:
        return (
            f"Drop request: {who(details)} from {details.class_name or 'a class'}"
            f"{on(details.drop_date)}"
        )

    def student_label(self, details: DropDetails) -> str | None:
        """ "If a Drop request is submitted for a TRIAL type enrollment, the
        phrase "(TRIAL)" will appear beside the student name in the Online
        Activity entry."""
        name, kind = details.student_name, details.enrollment_type
        if not name:
            return None
        if kind is None or kind not in EnrollmentType.__members__:
            return name
        return drop_student_label(name=name, enrollment_type=EnrollmentType(kind))


KIND = Drop()
