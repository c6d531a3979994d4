"""What the customer portal tells us: one event, the family behind it, and the
records it refers to, carried by the portal's own (external) ids.

"There are notification types for the following Customer Portal events":
one class per kind below. Each names the window type it becomes (``type``)
and the input field the portal sends it in (``field``, for error paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import ClassVar

from domain.rules.enrollment_types import EnrollmentType
from domain.vocabulary import ActivityType

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


# --- the 17 kinds -------------------------------------------------------------


@dataclass(frozen=True)
class AbsenceEvent:
    """ "Absence - Future absence requests", over one or more enrollments."""

    type: ClassVar[ActivityType] = ActivityType.ABSENCE
    field: ClassVar[str] = "absence"
    external_id: str
    absence_date: date
    enrollments: tuple[EnrollmentRef, ...]
    reason: str | None = None
    auto_approved: bool = False


@dataclass(frozen=True)
class AppointmentEvent:
    """ "Appointment - appointment bookings (auto-approved or requested)"."""

    type: ClassVar[ActivityType] = ActivityType.APPOINTMENT
    field: ClassVar[str] = "appointment"
    booking: BookingRef
    auto_approved: bool = False


@dataclass(frozen=True)
class AppointmentCanceledEvent:
    """ "Appointment Booking Canceled - Notification of appointment cancellations"."""

    type: ClassVar[ActivityType] = ActivityType.APPOINTMENT_CANCELED
    field: ClassVar[str] = "appointmentCanceled"
    booking: BookingRef


@dataclass(frozen=True)
class AppointmentRescheduleEvent:
    """ "Appointment Reschedule Request": ``booking`` replaces ``original_booking``."""

    type: ClassVar[ActivityType] = ActivityType.APPOINTMENT_RESCHEDULE
    field: ClassVar[str] = "appointmentReschedule"
    original_booking: BookingRef
    booking: BookingRef
    auto_approved: bool = False


@dataclass(frozen=True)
class AutopayEvent:
    """ "Autopay - Saved payment information updates"."""

    type: ClassVar[ActivityType] = ActivityType.AUTOPAY
    field: ClassVar[str] = "autopay"
    card_brand: str | None = None
    card_last4: str | None = None


@dataclass(frozen=True)
class ChargeLine:
    external_id: str
    description: str
    amount: Decimal
    # The charge was calculated with a discount schedule deleted since.
    discount_schedule_deleted: bool = False


@dataclass(frozen=True)
class PaymentEvent:
    """ "Payments - Online payments", with the charges they pay."""

    type: ClassVar[ActivityType] = ActivityType.PAYMENT
    field: ClassVar[str] = "payment"
    external_id: str
    amount: Decimal
    method: str
    charges: tuple[ChargeLine, ...] = ()
    location: LocationRef | None = None


@dataclass(frozen=True)
class GiftCardEvent:
    """ "Gift Card - Gift card/Gift certificate purchases"."""

    type: ClassVar[ActivityType] = ActivityType.GIFT_CARD
    field: ClassVar[str] = "giftCard"
    external_id: str
    amount: Decimal
    recipient_name: str
    recipient_email: str | None = None
    location: LocationRef | None = None


@dataclass(frozen=True)
class NewAccountEvent:
    """ "New Accounts - New family accounts created" (with any students added)."""

    type: ClassVar[ActivityType] = ActivityType.NEW_ACCOUNT
    field: ClassVar[str] = "newAccount"
    students: tuple[StudentRef, ...] = ()


@dataclass(frozen=True)
class EnrollmentEvent:
    """ "Enrollments - New enrollments and enrollment requests", including
    "enrollments created via Punch Pass redemption"."""

    type: ClassVar[ActivityType] = ActivityType.ENROLLMENT
    field: ClassVar[str] = "enrollment"
    enrollment: EnrollmentRef
    punch_pass: bool = False
    auto_approved: bool = False


@dataclass(frozen=True)
class DropEvent:
    """ "Drop - Enrollment Drop requests"."""

    type: ClassVar[ActivityType] = ActivityType.DROP
    field: ClassVar[str] = "drop"
    enrollment: EnrollmentRef
    drop_date: date
    reason: str | None = None


@dataclass(frozen=True)
class TransferEvent:
    """ "Transfers - Enrollment Transfer requests and auto-approvals"."""

    type: ClassVar[ActivityType] = ActivityType.TRANSFER
    field: ClassVar[str] = "transfer"
    from_enrollment: EnrollmentRef
    to_class: ClassRef
    transfer_date: date
    # The type asked for the new enrollment; None keeps the current one.
    enrollment_type: EnrollmentType | None = None
    auto_approved: bool = False


@dataclass(frozen=True)
class PartyEvent:
    """ "Parties - New party bookings"."""

    type: ClassVar[ActivityType] = ActivityType.PARTY
    field: ClassVar[str] = "party"
    external_id: str
    party_at: datetime
    guests: int
    package: str
    location: LocationRef | None = None


@dataclass(frozen=True)
class PolicyEvent:
    """ "Policies - Policy acceptances/rejections", by the family or for a student."""

    type: ClassVar[ActivityType] = ActivityType.POLICY
    field: ClassVar[str] = "policy"
    policy_name: str
    accepted: bool
    student: StudentRef | None = None


@dataclass(frozen=True)
class NewStudentEvent:
    """ "Students - New student accounts added to families"."""

    type: ClassVar[ActivityType] = ActivityType.NEW_STUDENT
    field: ClassVar[str] = "newStudent"
    student: StudentRef


@dataclass(frozen=True)
class OrderLine:
    product: ProductRef
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OnlineOrderEvent:
    """ "Online Orders - New online Point of Sale purchases"."""

    type: ClassVar[ActivityType] = ActivityType.ONLINE_ORDER
    field: ClassVar[str] = "onlineOrder"
    external_id: str
    items: tuple[OrderLine, ...]
    location: LocationRef | None = None


@dataclass(frozen=True)
class OptOutEvent:
    """ "Opt Out - Family has opted out of recurring billing"."""

    type: ClassVar[ActivityType] = ActivityType.OPT_OUT
    field: ClassVar[str] = "optOut"
    reason: str | None = None


@dataclass(frozen=True)
class DeletionRequestEvent:
    """ "Deletion Request": the family asks for their account to be deleted."""

    type: ClassVar[ActivityType] = ActivityType.DELETION_REQUEST
    field: ClassVar[str] = "deletionRequest"
    reason: str | None = None


PortalEventDetails = (
    AbsenceEvent
    | AppointmentEvent
    | AppointmentCanceledEvent
    | AppointmentRescheduleEvent
    | AutopayEvent
    | PaymentEvent
    | GiftCardEvent
    | NewAccountEvent
    | EnrollmentEvent
    | DropEvent
    | TransferEvent
    | PartyEvent
    | PolicyEvent
    | NewStudentEvent
    | OnlineOrderEvent
    | OptOutEvent
    | DeletionRequestEvent
)


@dataclass(frozen=True)
class PortalEventRequest:
    """One call of the portal: who, what, when, and the key that makes it
    safe to retry."""

    idempotency_key: str
    family: FamilyRef
    event: PortalEventDetails
    # None: now (the canonical payload keeps None, so a retry hashes the same).
    occurred_at: datetime | None = None
    notes: str | None = None
