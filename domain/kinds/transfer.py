"""Transfers: "Enrollment Transfer requests and auto-approvals"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from sqlalchemy import select

from domain.actions import request_effects as effects
from domain.actions.seats import SeatBook
from domain.actions.transfer import apply_transfer
from domain.errors import Problem
from domain.ingestion.context import Ingestion, iso_date
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import ClassRef, EnrollmentRef
from domain.ingestion.references import ResolvedClass, ResolvedEnrollment
from domain.ingestion.validation import Checks, Path, check_class, check_enrollment
from domain.kinds.base import Details, Kind, PortalEvent, RequestedRecord, on, who
from domain.recording import NewEntry
from domain.rules.enrollment_types import EnrollmentType
from domain.vocabulary import Task, WindowStatus
from models import ClassOffering, Enrollment

NAME = "TRANSFER"

# The transfer rules name staff's input fields; the portal's event has its own.
TRANSFER_EVENT_FIELDS = {"enrollmentId": "fromEnrollment"}


@dataclass(frozen=True)
class TransferEvent(PortalEvent):
    """ "Transfers - Enrollment Transfer requests and auto-approvals"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "transfer"
    from_enrollment: EnrollmentRef
    to_class: ClassRef
    transfer_date: date
    # The type asked for the new enrollment; None keeps the current one.
    enrollment_type: EnrollmentType | None = None
    auto_approved: bool = False

    def check(self, checks: Checks, path: Path) -> None:
        check_enrollment(checks, self.from_enrollment, (*path, "fromEnrollment"))
        check_class(checks, self.to_class, (*path, "toClass"))
        if self.to_class.external_id == self.from_enrollment.offering.external_id:
            checks.add(
                PortalEventErrorCode.SAME_CLASS,
                "a transfer must go to another class",
                (*path, "toClass", "externalId"),
            )

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """A transfer records the target class and date on the entry, with
        the drop date already on the enrollment ("the system will check to
        see if a future drop date already exists on the enrollment that is
        being transferred"). The entry sits at the location of the
        enrollment being transferred.

        A request waits for staff to approve it; an auto-approval is applied
        here exactly as staff approval applies one (``apply_transfer``). One
        a rule refuses ("iClassPro does not allow multiple transfers from a
        single enrollment", a class that ends before the transfer date, a
        Makeup's type) is still recorded, never lost: as a PENDING entry
        staff can approve or deny, with the rule's reason (``not_applied``).
        """
        # Both classes before the enrollment, in id order: classes come
        # before enrollments in the lock order (domain.lock_order), as staff
        # approval takes them; upserting the target class after the
        # enrollment deadlocked with an approval counting seats in it.
        await ing.refs.offerings([self.from_enrollment.offering, self.to_class])
        target = await ing.refs.offering(self.to_class)
        enrollment = await ing.refs.enrollment(self.from_enrollment, ing.family_id)
        requested = self.enrollment_type.value if self.enrollment_type else enrollment.type
        not_applied = None
        if self.auto_approved:
            not_applied = await self._apply(ing, enrollment, target)
        facts = {
            "from_class_name": enrollment.offering.name,
            "to_class_name": target.name,
            "to_class_id": target.id,
            "to_location_id": target.location_id,
            "transfer_date": iso_date(self.transfer_date),
            "enrollment_type": requested,
            "current_enrollment_type": enrollment.type,
            "current_drop_date": iso_date(enrollment.drop_date),
            "auto_approved": self.auto_approved,
        }
        return [
            ing.enrollment_entry(
                NAME,
                facts,
                enrollment,
                auto_approved=self.auto_approved,
                status=None if not_applied is None else WindowStatus.PENDING,
                not_applied=not_applied,
            )
        ]

    async def _apply(
        self, ing: Ingestion, enrollment: ResolvedEnrollment, target: ResolvedClass
    ) -> Problem | None:
        """The portal decided: no "Drop Date For Previous Class" was chosen
        (the default applies) and capacity is the portal's call, as for the
        enrollments it auto-approves. Returns why a rule refused it (nothing
        written), naming the event's field at fault."""
        original = await ing.session.scalar(
            select(Enrollment).where(Enrollment.id == enrollment.id).with_for_update()
        )
        offering = await ing.session.scalar(
            select(ClassOffering).where(ClassOffering.id == target.id)
        )
        assert original is not None and offering is not None  # upserted by this event
        settings = await ing.settings()
        refusal = await apply_transfer(
            ing.session,
            original=original,
            target=offering,
            transfer_date=self.transfer_date,
            requested_type=self.enrollment_type,
            new_external_id=None,
            overbook=True,
            previous_class_drop_date=None,
            seats=SeatBook(ing.session),
            today=settings.today(ing.now),
        )
        if refusal is None:
            return None
        fields = [TRANSFER_EVENT_FIELDS.get(name, name) for name in refusal.field]
        return Problem(
            refusal.code,
            f"Recorded for staff to review, not applied: {refusal.message}",
            (*ing.path, *fields),
        )


class TransferDetails(Details):
    from_class_name: str | None = None
    to_class_name: str | None = None
    to_class_id: int | None = None
    to_class_external_id: str | None = None
    to_location_id: int | None = None
    transfer_date: date | None = None
    enrollment_type: str | None = None
    current_enrollment_type: str | None = None
    current_drop_date: date | None = None
    new_enrollment_external_id: str | None = None
    auto_approved: bool = False


class Transfer(Kind[TransferDetails]):
    name = NAME
    label = "Transfer"
    event = TransferEvent
    details = TransferDetails
    task = Task.ENROLLMENTS
    requestable = True
    auto_approvable = True
    enrollment_request = True
    requested_record = RequestedRecord.RUNNING_ENROLLMENT
    transfers_enrollment = True
    approval = effects.APPLY_TRANSFER

    def summary(self, details: TransferDetails) -> str:
        return (
            f"Transfer: {who(details)} from {details.from_class_name} to "
            f"{details.to_class_name}{on(details.transfer_date)}"
        )


KIND = Transfer()
