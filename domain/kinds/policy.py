"""Policies: "Policy acceptances/rejections", by the family or for a student."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.events import StudentRef
from domain.ingestion.validation import Checks, Path, check_student
from domain.kinds.base import Details, Kind, PortalEvent, who
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "POLICY"


@dataclass(frozen=True)
class PolicyEvent(PortalEvent):
    """ "Policies - Policy acceptances/rejections", by the family or for a student."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "policy"
    policy_name: str
    accepted: bool
    student: StudentRef | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.policy_name, (*path, "policyName"), limit=200)
        check_student(checks, self.student, (*path, "student"))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        student = self.student
        student_id = None if student is None else await ing.refs.student(student, ing.family_id)
        return [
            ing.entry(
                NAME,
                {"policy_name": self.policy_name, "accepted": self.accepted},
                student_id=student_id,
                student_name=None if student is None else student.full_name,
            )
        ]


class PolicyDetails(Details):
    policy_name: str | None = None
    accepted: bool = False


class Policy(Kind[PolicyDetails]):
    name = NAME
    label = "Policy"
    event = PolicyEvent
    details = PolicyDetails
    task = Task.POLICIES

    def summary(self, details: PolicyDetails) -> str:
        verb = "accepted" if details.accepted else "rejected"
        return f"{who(details)} {verb} {details.policy_name}"


KIND = Policy()
