"""Students: "New student accounts added to families"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.events import StudentRef
from domain.ingestion.validation import Checks, Path, check_student
from domain.kinds.base import Details, Kind, PortalEvent
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "NEW_STUDENT"


@dataclass(frozen=True)
class NewStudentEvent(PortalEvent):
    """ "Students - New student accounts added to families"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "newStudent"
    student: StudentRef

    def check(self, checks: Checks, path: Path) -> None:
        check_student(checks, self.student, (*path, "student"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        student_id = await ing.refs.student(self.student, ing.family_id)
        return [ing.entry(NAME, {}, student_id=student_id, student_name=self.student.full_name)]


class NewStudent(Kind[Details]):
    name = NAME
    label = "Student"
    event = NewStudentEvent
    details = Details
    task = Task.FAMILIES

    def summary(self, details: Details) -> str:
        return f"New student {details.student_name} added to {details.family_name}"


KIND = NewStudent()
