"""What the customer portal tells us: one event, the family behind it, and the
records it refers to, carried by the portal's own (external) ids.

Each kind's own event lives in its module of ``domain.kinds`` (a
``PortalEvent``: the window type it becomes, the input field the portal
sends it in, its checks and how it is recorded); here are the references
the kinds share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from domain.kinds.base import PortalEvent
from domain.rules.enrollment_types import EnrollmentType

# --- references, upserted by external id --------------------------------------
#
# A field the portal leaves out is unknown: the upsert keeps what we know.
# None where a field may be cleared ("no capacity": unlimited) is not the
# same as leaving it out, so those fields take NOT_SENT when omitted.


class NotSent(Enum):
    NOT_SENT = "NOT_SENT"


NOT_SENT = NotSent.NOT_SENT


@dataclass(frozen=True)
class LocationRef:
    external_id: str
    name: str


@dataclass(frozen=True)
class FamilyRef:
    external_id: str
    name: str
    email: str | None = None
    # None keeps what we know: a missing flag must never opt a family back in.
    email_opt_in: bool | None = None


@dataclass(frozen=True)
class StudentRef:
    external_id: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class ClassRef:
    external_id: str
    name: str
    location: LocationRef
    # None: unlimited / no end date; NOT_SENT: keep what we know.
    capacity: int | NotSent | None = NOT_SENT
    class_end_date: date | NotSent | None = NOT_SENT
    session_end_date: date | NotSent | None = NOT_SENT


@dataclass(frozen=True)
class EnrollmentRef:
    external_id: str
    student: StudentRef
    offering: ClassRef
    # None: not sent (unknown); the type we know is kept.
    type: EnrollmentType | None = None
    # None keeps what we know.
    start_date: date | None = None
    drop_date: date | None = None


@dataclass(frozen=True)
class BookingRef:
    external_id: str
    title: str
    starts_at: datetime
    # None keeps what we know.
    location: LocationRef | None = None
    student: StudentRef | None = None


@dataclass(frozen=True)
class ProductRef:
    external_id: str
    name: str


@dataclass(frozen=True)
class PortalEventRequest:
    """One call of the portal: who, what, when, and the key that makes it
    safe to retry."""

    idempotency_key: str
    family: FamilyRef
    # One kind's event (its module in ``domain.kinds``).
    event: PortalEvent
    # None: now (the canonical payload keeps None, so a retry hashes the same).
    occurred_at: datetime | None = None
    notes: str | None = None
