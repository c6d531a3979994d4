"""Deletion Request: the family asks for their account to be deleted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.ingestion.context import Ingestion
from domain.ingestion.validation import Checks, Path
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task

NAME = "DELETION_REQUEST"

ADVICE = (
    "This is simply a notification: no account is deleted automatically. Deleting "
    "family/student accounts will also delete enrollment and/or ledger history; to "
    "remove the family's online access we recommend suspending the account instead, "
    "with a note that it was suspended due to an account deletion request and the date."
)


@dataclass(frozen=True)
class DeletionRequestEvent(PortalEvent):
    """ "Deletion Request": the family asks for their account to be deleted."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "deletionRequest"
    reason: str | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.reason, (*path, "reason"), limit=2000, required=False)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """ "If a customer submits this request, an alert will be displayed in
        the Online Activity. However, it must be noted that this is simply a
        notification and we do not automatically delete any accounts."
        Nothing but the entry is written."""
        return [ing.entry(NAME, {"reason": self.reason})]


class DeletionRequestDetails(Details):
    reason: str | None = None


class DeletionRequest(Kind[DeletionRequestDetails]):
    name = NAME
    label = "Deletion Request"
    event = DeletionRequestEvent
    details = DeletionRequestDetails
    task = Task.FAMILIES
    excluded_from_notification_filter = True
    # Staff may suspend the family from its entry (domain.families).
    suspends_family = True

    def summary(self, details: DeletionRequestDetails) -> str:
        return f"{family(details)} asked for their account to be deleted"


KIND = DeletionRequest()
