"""What an activity kind is: the hooks each kind module implements.

"There are notification types for the following Customer Portal events":
each of them is one module of ``domain.kinds`` holding a ``Kind`` (its
name, the task its permission needs, its status policy, its summary and
student label), its typed details (a ``Details`` model, stored as JSON with
its version and validated on write and on read), and its portal event (a
``PortalEvent``: the portal's input in domain terms, with its checks and
how it is recorded). The rest of the code asks the registry
(``domain.kinds.registry``) instead of naming kinds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from domain.errors import Problem
from domain.kinds.names import ActivityType
from domain.rules.billing import BillingErrorCode
from domain.rules.transfers import TransferErrorCode
from domain.vocabulary import Task, WindowStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.actions.effects import ApprovalEffect, DenialEffect
    from domain.ingestion.context import Ingestion
    from domain.ingestion.validation import Checks, Path
    from domain.recording import NewEntry

# The version written into every entry's details (``"v"``). A change of a
# kind's details that old rows cannot be read as bumps it, with a reader
# for the old shape.
DETAILS_VERSION: Final = 1


# An instant as the details store it: ISO 8601 with its offset, as
# ``datetime.isoformat`` writes it ("+00:00", never "Z").
Instant = Annotated[
    datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]


class RequestedRecord(StrEnum):
    """The record a request is made against, checked as it is now before
    staff act on it (``domain.actions.records``)."""

    # A REQUESTED enrollment the request created (approving activates it).
    NEW_ENROLLMENT = "NEW_ENROLLMENT"
    # An enrollment still running (to drop or transfer).
    RUNNING_ENROLLMENT = "RUNNING_ENROLLMENT"
    # The REQUESTED absences the entry lists (``details.absence_ids``).
    ABSENCES = "ABSENCES"
    # A REQUESTED appointment booking.
    BOOKING = "BOOKING"


class StoredDetailsError(ValueError):
    """A stored entry's details do not match its kind: a bug or a bad
    migration, never the client's fault (it sees a masked internal error)."""


class NotAppliedFacts(BaseModel):
    """Why the portal's event could not be applied as sent (``not_applied``)."""

    model_config = ConfigDict(frozen=True)

    code: TransferErrorCode | BillingErrorCode
    message: str
    field: list[str] = []

    def problem(self) -> Problem:
        return Problem(code=self.code, message=self.message, field=tuple(self.field))


class Details(BaseModel):
    """The facts every entry keeps: who, and whether the event applied.

    A kind's details subclass this with their own typed fields. Reading
    ignores keys a later version may add; writing refuses unknown keys
    (``Kind.dump``), so a misspelt fact is an error where it is written.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    v: Literal[1] = DETAILS_VERSION
    family_name: str | None = None
    student_name: str | None = None
    not_applied: NotAppliedFacts | None = None


D = TypeVar("D", bound=Details)


class PortalEvent(ABC):
    """One kind's portal event, as the domain reads it (a frozen dataclass
    in the kind's module): its checks and how it is recorded."""

    # The kind's name, and the input field the portal sends it in (error paths).
    type: ClassVar[str]
    field: ClassVar[str]

    @abstractmethod
    def check(self, checks: Checks, path: Path) -> None:
        """Add every problem of this event to ``checks``; write nothing."""

    @abstractmethod
    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """Write the event's records and return the entries it makes."""

    async def lock_first(self, session: AsyncSession, organisation_id: int) -> None:
        """Lock what recording will change before any record is upserted
        (``domain.lock_order``); most events lock nothing ahead."""
        return None


class Kind(ABC, Generic[D]):
    """One activity kind. Subclasses set the class attributes and
    ``summary``; the defaults are those of a plain notification."""

    # The stored name ("DROP"); its module's portal event and details.
    name: ClassVar[str]
    # What the window calls it, as the help article lists "notification types
    # for the following Customer Portal events" ("Drop - Enrollment Drop
    # requests"): served as ``activityTypes``, so clients name no kind.
    label: ClassVar[str]
    event: ClassVar[type[PortalEvent]]
    details: type[D]
    # "as well as any other permissions to handle specific tasks (such as
    # full permissions to the "Enrollments" task to approve/deny enrollments)".
    task: ClassVar[Task]
    # Status policy: "Pending - Entries that require staff interaction";
    # "Approved - Entries that have been auto-approved".
    requestable: ClassVar[bool] = False
    auto_approvable: ClassVar[bool] = False
    always_pending: ClassVar[bool] = False
    # "If "Notification" is selected ... The system automatically excludes the
    # following notification types from these results: Online Orders, Gift
    # Card, Deletion Request, Parties".
    excluded_from_notification_filter: ClassVar[bool] = False
    # "Online Order" entries "cannot simply be dismissed": reviewed first.
    review_before_dismiss: ClassVar[bool] = False
    # Enrollment requests, reviewed "one at a time to ensure that approving
    # the request will not overbook a class".
    enrollment_request: ClassVar[bool] = False
    # A deletion request's entry lets staff suspend the family (domain.families).
    suspends_family: ClassVar[bool] = False
    # A request on an appointment booking: its open entries are superseded
    # when the booking is rescheduled (domain.bookings); ``moves_booking``
    # for the kind whose approval reschedules one.
    books_appointment: ClassVar[bool] = False
    moves_booking: ClassVar[bool] = False
    # Requests: the record the request is made against, and what approving
    # and denying it do to that record (``domain.actions.effects``; None:
    # nothing but the entry). A transfer moves its enrollment to the class
    # its details name ("iClassPro does not allow multiple transfers from a
    # single enrollment").
    requested_record: ClassVar[RequestedRecord | None] = None
    transfers_enrollment: ClassVar[bool] = False
    approval: ClassVar[ApprovalEffect | None] = None
    denial: ClassVar[DenialEffect | None] = None
    # The window shows fields derived from the drop settings (notice period,
    # missed criteria): a settings change re-sends its entries.
    shown_by_drop_settings: ClassVar[bool] = False
    # The strawberry module with its GraphQL object and portal input; by
    # default ``schema.kinds.<this module's name>``.
    schema_module: ClassVar[str | None] = None

    @property
    def type(self) -> ActivityType:
        return ActivityType(self.name)

    def initial_status(self, *, auto_approved: bool | None) -> WindowStatus:
        """The window status an entry gets when the portal records it.

        "Pending - Entries that require staff interaction"; "Approved -
        Entries that have been auto-approved (includes all types)";
        everything else "simply notif[ies] the staff that a specific
        activity has occurred"."""
        if self.always_pending:
            return WindowStatus.PENDING
        if self.auto_approvable:
            return WindowStatus.APPROVED if auto_approved else WindowStatus.PENDING
        return WindowStatus.NOTIFICATION

    def read(self, stored: Mapping[str, Any]) -> D:
        """The stored details as this kind's model; a row that does not fit
        fails loudly (``StoredDetailsError``)."""
        try:
            return self.details.model_validate(stored)
        except ValueError as error:
            # The message names no stored value; its cause (for the log) does.
            message = f"stored details of a {self.name} entry are invalid"
            raise StoredDetailsError(message) from error

    def dump(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The details to store for ``facts``: validated against the kind's
        model (unknown keys refused), with the version, JSON-ready."""
        unknown = set(facts) - set(self.details.model_fields)
        if unknown:
            raise ValueError(f"{self.name} details have no {sorted(unknown)}")
        model = self.details.model_validate({**facts, "v": DETAILS_VERSION})
        return model.model_dump(mode="json", exclude_unset=True)

    @abstractmethod
    def summary(self, details: D) -> str:
        """The entry's one line in the window."""

    def student_label(self, details: D) -> str | None:
        """The student as the window names them."""
        return details.student_name or None


def who(details: Details) -> str:
    """The student, else the family: who a summary is about."""
    return details.student_name or details.family_name or "A family"


def family(details: Details) -> str:
    return details.family_name or "A family"


def on(value: object) -> str:
    return f" on {value}" if value else ""
