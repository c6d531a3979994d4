"""Enrollments: the existing ones an event is about, and the ones it creates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.ingestion.events import EnrollmentRef
from domain.ingestion.references.classes import ClassRecords, ResolvedClass
from domain.ingestion.references.families import FamilyRecords
from models import Enrollment, Student
from models.statuses import EnrollmentStatus


@dataclass(frozen=True)
class ResolvedEnrollment:
    id: int
    student_id: int
    student_name: str
    offering: ResolvedClass
    # None: unknown (the portal never said).
    type: str | None
    status: EnrollmentStatus
    drop_date: Any


class EnrollmentRecords(FamilyRecords, ClassRecords):
    async def enrollments(
        self, refs: Sequence[EnrollmentRef], family_id: int
    ) -> list[ResolvedEnrollment]:
        """Several existing enrollments (``enrollment``), upserted in the lock
        order: students, locations, classes, enrollments, each in id order.
        Returned in the order given."""
        students = {ref.student.external_id: ref.student for ref in refs}
        for external_id in await self._in_id_order(Student, students):
            await self.student(students[external_id], family_id)
        await self.offerings([ref.offering for ref in refs])
        by_id = {ref.external_id: ref for ref in refs}
        resolved = {
            external_id: await self.enrollment(by_id[external_id], family_id)
            for external_id in await self._in_id_order(Enrollment, by_id)
        }
        return [resolved[ref.external_id] for ref in refs]

    def _enrollment_values(
        self, ref: EnrollmentRef, student_id: int, class_id: int
    ) -> dict[str, Any]:
        return {
            "external_id": ref.external_id,
            "student_id": student_id,
            "class_id": class_id,
            "type": None if ref.type is None else ref.type.value,
            "start_date": ref.start_date,
            "drop_date": ref.drop_date,
        }

    async def enrollment(self, ref: EnrollmentRef, family_id: int) -> ResolvedEnrollment:
        """An existing enrollment the event is about (ACTIVE when first seen).

        Its status and a drop date we set on approval are never overwritten;
        the portal's drop date and type are taken when it sends them, and a
        type left out keeps ours ("a Drop request ... for a TRIAL type
        enrollment" stays one whether or not the drop repeats the type).
        """
        student_id = await self.student(ref.student, family_id)
        offering = await self.offering(ref.offering)
        row = await self._upsert(
            Enrollment,
            {
                **self._enrollment_values(ref, student_id, offering.id),
                "status": EnrollmentStatus.ACTIVE,
            },
            (Enrollment.id, Enrollment.status, Enrollment.type, Enrollment.drop_date),
            replace=("student_id", "class_id"),
            fill=("type", "start_date", "drop_date"),
        )
        return ResolvedEnrollment(
            id=int(row.id),
            student_id=student_id,
            student_name=ref.student.full_name,
            offering=offering,
            type=None if row.type is None else str(row.type),
            status=EnrollmentStatus(row.status),
            drop_date=row.drop_date,
        )

    async def new_enrollment(
        self,
        ref: EnrollmentRef,
        family_id: int,
        *,
        status: EnrollmentStatus,
        punch_pass: bool,
        field: tuple[str, ...],
    ) -> ResolvedEnrollment:
        """The enrollment an enrollment event creates (refused if seen before)."""
        student_id = await self.student(ref.student, family_id)
        offering = await self.offering(ref.offering)
        enrollment_id = await self.create_once(
            Enrollment,
            {
                **self._enrollment_values(ref, student_id, offering.id),
                "status": status,
                "punch_pass": punch_pass,
            },
            field=field,
        )
        return ResolvedEnrollment(
            id=enrollment_id,
            student_id=student_id,
            student_name=ref.student.full_name,
            offering=offering,
            type=None if ref.type is None else ref.type.value,
            status=status,
            drop_date=ref.drop_date,
        )
