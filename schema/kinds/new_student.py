"""New student entries and the portal's new-student input."""

from __future__ import annotations

import strawberry

from domain.kinds.new_student import NewStudentEvent
from schema.activity import ActivityEntry
from schema.ingestion.references import StudentInput


@strawberry.type
class NewStudentActivity(ActivityEntry):
    pass


@strawberry.input(description="A student added to the family.")
class NewStudentEventInput:
    student: StudentInput

    def to_domain(self) -> NewStudentEvent:
        return NewStudentEvent(self.student.to_domain())


OBJECT = NewStudentActivity
INPUT = NewStudentEventInput
