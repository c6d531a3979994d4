"""Appointment bookings, with the location and student they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.ingestion.events import BookingRef
from domain.ingestion.references.classes import ClassRecords
from domain.ingestion.references.families import FamilyRecords
from models import AppointmentBooking, Student
from models.statuses import AppointmentStatus


@dataclass(frozen=True)
class ResolvedBooking:
    id: int
    location_id: int | None
    student_id: int | None
    student_name: str | None


class BookingRecords(FamilyRecords, ClassRecords):
    async def booking(
        self,
        ref: BookingRef,
        family_id: int,
        *,
        status: AppointmentStatus | None,
        status_if_new: AppointmentStatus,
        rescheduled_from_id: int | None = None,
    ) -> ResolvedBooking:
        """An appointment booking; ``status`` None keeps the stored one, and
        so does a location or student the event leaves out."""
        location_id = None if ref.location is None else await self.location(ref.location)
        student_id = None if ref.student is None else await self.student(ref.student, family_id)
        starts_at: datetime = ref.starts_at
        replace = ["family_id", "title", "starts_at"]
        if status is not None:
            replace.append("status")
        if rescheduled_from_id is not None:
            replace.append("rescheduled_from_id")
        row = await self._upsert(
            AppointmentBooking,
            {
                "external_id": ref.external_id,
                "location_id": location_id,
                "family_id": family_id,
                "student_id": student_id,
                "title": ref.title,
                "starts_at": starts_at,
                "status": status or status_if_new,
                "rescheduled_from_id": rescheduled_from_id,
                "notes": "",
            },
            (AppointmentBooking.id, AppointmentBooking.location_id, AppointmentBooking.student_id),
            replace=tuple(replace),
            fill=("location_id", "student_id"),
        )
        student_name = None if ref.student is None else ref.student.full_name
        if student_name is None and row.student_id is not None:
            known = await self.session.get(Student, row.student_id)
            student_name = None if known is None else known.full_name
        return ResolvedBooking(
            id=int(row.id),
            location_id=row.location_id,
            student_id=row.student_id,
            student_name=student_name,
        )
