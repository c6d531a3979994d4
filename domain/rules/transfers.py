"""Rules for approving an enrollment Transfer request.

Approving a transfer drops the original ("previous class") enrollment and
creates a new one in the target class. These functions decide the dates and
the type of that pair; persisting them is the caller's job.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import ErrorCode
from domain.rules.enrollment_types import EnrollmentType


class TransferErrorCode(ErrorCode):
    """Machine-readable reasons a transfer cannot be approved as asked."""

    TRANSFER_ALREADY_EXISTS = (
        "TRANSFER_ALREADY_EXISTS",
        "A transfer already exists from this enrollment.",
    )
    ENROLLMENT_TYPE_LOCKED = (
        "ENROLLMENT_TYPE_LOCKED",
        "A transfer for a Makeup enrollment keeps the type MAKEUP.",
    )
    INVALID_DROP_DATE = (
        "INVALID_DROP_DATE",
        "The previous class cannot be dropped before it started.",
    )
    INVALID_TRANSFER_DATE = (
        "INVALID_TRANSFER_DATE",
        "The class transferred into ends before the transfer date.",
    )


class TransferRuleError(Exception):
    """A transfer the rules refuse; `code` and `field` map onto a userError."""

    def __init__(self, code: TransferErrorCode, message: str, *, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class TransferPlan:
    """What approving a transfer writes to the two enrollments."""

    new_drop_date: date | None
    new_enrollment_type: EnrollmentType
    previous_class_drop_date: date


def default_previous_class_drop_date(
    *, transfer_date: date, original_drop_date: date | None
) -> date:
    """Pre-fill value for the "Drop Date For Previous Class" field.

    Spec: "This field will auto-populate with the day before the transfer
    date, unless any drop date exists on the original enrollment that is
    prior to the transfer date. In this case, the "Drop Date For Previous
    Class" will auto-populate with that existing drop date."

    "any drop date" includes one already in the past.
    """
    if original_drop_date is not None and original_drop_date < transfer_date:
        return original_drop_date
    return transfer_date - timedelta(days=1)


def carried_drop_date(
    *,
    original_drop_date: date | None,
    new_class_end_date: date | None,
    new_session_end_date: date | None,
    today: date,
    transfer_date: date,
) -> date | None:
    """Drop date the new, transferred enrollment starts out with.

    Spec: "the system will check to see if a future drop date already exists
    on the enrollment that is being transferred. If a future drop date
    exists, the drop date on the new transferred enrollment will be
    auto-populated to match." and "If the class being transferred into has
    an end date set (either by Class End Date or Session End Date) that is
    BEFORE the drop date being carried over, the drop date will be adjusted
    to match the class end date instead."

    "Future" means strictly after `today` (the organisation's local date);
    when both end dates are set the earlier one is where the class really
    ends. A drop date before the transfer date is not carried: it is where
    the previous class ends (the spec makes it the "Drop Date For Previous
    Class"), and a new enrollment cannot end before it starts.
    """
    if original_drop_date is None or original_drop_date <= today:
        return None
    if original_drop_date < transfer_date:
        return None
    return min([original_drop_date, *_end_dates(new_class_end_date, new_session_end_date)])


def new_enrollment_type(
    *,
    original_type: EnrollmentType,
    requested_type: EnrollmentType | None,
    chosen_type: EnrollmentType | None,
) -> EnrollmentType:
    """The transferred enrollment's type: staff's choice, else the one the
    family asked for, else the original's.

    Spec: "iClassPro will not allow you to edit the enrollment type if the
    transfer request is for a Makeup enrollment." A request is "for a
    Makeup enrollment" when the enrollment being transferred is a Makeup or
    the family asked for a Makeup: the new enrollment is then a Makeup and
    any other type, whoever asks for it, is ENROLLMENT_TYPE_LOCKED. Asking
    for MAKEUP again is not an edit, so staff may approve a request that
    asks to turn a Makeup into another type by choosing MAKEUP.
    """
    new_type = chosen_type or requested_type or original_type
    makeup = EnrollmentType.MAKEUP in (original_type, requested_type)
    if makeup and new_type is not EnrollmentType.MAKEUP:
        raise TransferRuleError(
            TransferErrorCode.ENROLLMENT_TYPE_LOCKED,
            "This transfer is for a Makeup enrollment: its type cannot be changed "
            "(approve it as MAKEUP, or deny it).",
            field="enrollmentType",
        )
    return new_type


def plan_transfer(
    *,
    transfer_date: date,
    original_drop_date: date | None,
    new_class_end_date: date | None,
    new_session_end_date: date | None,
    today: date,
    previous_class_drop_date_override: date | None,
    original_type: EnrollmentType,
    requested_type: EnrollmentType | None,
    original_already_transferred: bool,
    original_start_date: date | None = None,
    chosen_type: EnrollmentType | None = None,
) -> TransferPlan:
    """Decide the new enrollment's drop date and type and the original's drop.

    Spec: "iClassPro does not allow multiple transfers from a single
    enrollment. If a transfer already exists from the selected enrollment,
    an error message will be displayed." (TRANSFER_ALREADY_EXISTS)

    The type follows ``new_enrollment_type`` (ENROLLMENT_TYPE_LOCKED for a
    Makeup). ``requested_type`` is what the family asked for, ``chosen_type``
    what staff chose while reviewing.

    Spec: "Modifying the "Drop Date For Previous Class" field will
    automatically update the drop date that is associated with the original
    class enrollment." The override therefore wins over the default (which
    is ``default_previous_class_drop_date``: the day before the transfer, or
    the original's earlier drop date), but it may not fall before
    `original_start_date` (when known), which would drop an enrollment
    before it began (INVALID_DROP_DATE). Only the override is checked: the
    spec's own default may be the day before a start date. An override on
    or after the transfer date is allowed: staff may overlap the two classes
    on purpose.

    The new enrollment's drop date follows ``carried_drop_date``. The one
    plan the spec does not cover is refused as INVALID_TRANSFER_DATE, because
    it would create an enrollment that ends before it starts: a target class
    (or session) that ends before the transfer date.
    """
    if original_already_transferred:
        raise TransferRuleError(
            TransferErrorCode.TRANSFER_ALREADY_EXISTS,
            "A transfer already exists from this enrollment.",
            field="enrollmentId",
        )
    new_type = new_enrollment_type(
        original_type=original_type, requested_type=requested_type, chosen_type=chosen_type
    )
    ends = _end_dates(new_class_end_date, new_session_end_date)
    if ends and min(ends) < transfer_date:
        raise TransferRuleError(
            TransferErrorCode.INVALID_TRANSFER_DATE,
            "The class being transferred into ends before the transfer date.",
            field="transferDate",
        )
    new_drop_date = carried_drop_date(
        original_drop_date=original_drop_date,
        new_class_end_date=new_class_end_date,
        new_session_end_date=new_session_end_date,
        today=today,
        transfer_date=transfer_date,
    )
    override = previous_class_drop_date_override
    if override is None:
        previous_drop = default_previous_class_drop_date(
            transfer_date=transfer_date, original_drop_date=original_drop_date
        )
    elif original_start_date is not None and override < original_start_date:
        raise TransferRuleError(
            TransferErrorCode.INVALID_DROP_DATE,
            "The previous class cannot be dropped before it started.",
            field="previousClassDropDate",
        )
    else:
        previous_drop = override
    return TransferPlan(
        new_drop_date=new_drop_date,
        new_enrollment_type=new_type,
        previous_class_drop_date=previous_drop,
    )


def _end_dates(*candidates: date | None) -> list[date]:
    return [d for d in candidates if d is not None]
