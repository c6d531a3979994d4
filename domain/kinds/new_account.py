"""New Accounts: "New family accounts created" (with any students added)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.events import StudentRef
from domain.ingestion.validation import Checks, Path, check_student
from domain.kinds.base import Details, Kind, PortalEvent
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "NEW_ACCOUNT"


@dataclass(frozen=True)
class NewAccountEvent(PortalEvent):
    """ "New Accounts - New family accounts created" (with any students added)."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "newAccount"
    students: tuple[StudentRef, ...] = ()

    def check(self, checks: Checks, path: Path) -> None:
        checks.listed(self.students, (*path, "students"), required=False)
        for index, student in enumerate(self.students):
            check_student(checks, student, (*path, "students", str(index)))

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """Students sent with the account are recorded too."""
        for student in self.students:
            await ing.refs.student(student, ing.family_id)
        return [ing.entry(NAME, {"email": ing.family.email})]


class NewAccountDetails(Details):
    email: str | None = None


class NewAccount(Kind[NewAccountDetails]):
    name = NAME
    label = "New Account"
    event = NewAccountEvent
    details = NewAccountDetails
    task = Task.FAMILIES

    def summary(self, details: NewAccountDetails) -> str:
        return f"New family account: {details.family_name}"


KIND = NewAccount()
