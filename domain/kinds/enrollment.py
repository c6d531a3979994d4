"""Enrollments: "New enrollments and enrollment requests", including
"enrollments created via Punch Pass redemption"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from domain.actions import request_effects as effects
from domain.ingestion.context import Ingestion, iso_date
from domain.ingestion.events import EnrollmentRef
from domain.ingestion.validation import Checks, Path, check_enrollment
from domain.kinds.base import Details, Kind, PortalEvent, RequestedRecord, who
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import EnrollmentNote
from models.statuses import EnrollmentStatus

NAME = "ENROLLMENT"

# What denying one does, for staff before they deny: "Denying an enrollment
# request deletes the request from Online Activity, and also deletes the
# enrollment from the database, along with any enrollment notes that were
# included." (``domain.actions.deny``)
DENY_WARNING = (
    "Denying an enrollment request deletes the request and the enrollment, with its notes."
)


@dataclass(frozen=True)
class EnrollmentEvent(PortalEvent):
    """ "Enrollments - New enrollments and enrollment requests", including
    "enrollments created via Punch Pass redemption"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "enrollment"
    enrollment: EnrollmentRef
    punch_pass: bool = False
    auto_approved: bool = False

    def check(self, checks: Checks, path: Path) -> None:
        check_enrollment(checks, self.enrollment, (*path, "enrollment"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """Creates the requested enrollment (REQUESTED, or ACTIVE when the
        portal auto-approved it) with the family's notes as enrollment
        notes, so that "Denying an enrollment request ... also deletes the
        enrollment from the database, along with any enrollment notes that
        were included."

        Punch-pass enrollments make an entry only "if this option is
        enabled in your Customer Portal settings"; otherwise the enrollment
        is recorded without one.
        """
        enrollment = await ing.refs.new_enrollment(
            self.enrollment,
            ing.family_id,
            status=EnrollmentStatus.ACTIVE if self.auto_approved else EnrollmentStatus.REQUESTED,
            punch_pass=self.punch_pass,
            field=(*ing.path, "enrollment", "externalId"),
        )
        if ing.notes and ing.notes.strip():
            ing.session.add(EnrollmentNote(enrollment_id=enrollment.id, text=ing.notes.strip()))
            await ing.session.flush()
        if self.punch_pass and not (await ing.settings()).punch_pass_enrollments:
            return []
        facts = {
            "class_name": enrollment.offering.name,
            "start_date": iso_date(self.enrollment.start_date),
            "enrollment_type": enrollment.type,
            "punch_pass": self.punch_pass,
            "auto_approved": self.auto_approved,
        }
        return [
            ing.enrollment_entry(
                NAME,
                facts,
                enrollment,
                auto_approved=self.auto_approved,
            )
        ]


class EnrollmentDetails(Details):
    class_name: str | None = None
    start_date: date | None = None
    enrollment_type: str | None = None
    punch_pass: bool = False
    auto_approved: bool = False


class EnrollmentKind(Kind[EnrollmentDetails]):
    name = NAME
    label = "Enrollment"
    event = EnrollmentEvent
    details = EnrollmentDetails
    task = Task.ENROLLMENTS
    requestable = True
    auto_approvable = True
    enrollment_request = True
    requested_record = RequestedRecord.NEW_ENROLLMENT
    approval = effects.ACTIVATE_ENROLLMENT
    denial = effects.DELETE_ENROLLMENT

    def summary(self, details: EnrollmentDetails) -> str:
        punch = " (punch pass)" if details.punch_pass else ""
        return f"{who(details)} enrolled in {details.class_name or 'a class'}{punch}"


KIND = EnrollmentKind()
