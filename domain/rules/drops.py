"""Rules for reviewing an enrollment Drop request."""

from datetime import date, timedelta
from enum import StrEnum

from domain.rules.enrollment_types import EnrollmentType


class DropErrorCode(StrEnum):
    """Machine-readable reasons a drop request cannot be approved."""

    DROP_REASON_REQUIRED = "DROP_REASON_REQUIRED"
    INVALID_DROP_REASON = "INVALID_DROP_REASON"
    NOTICE_PERIOD_NOT_MET = "NOTICE_PERIOD_NOT_MET"


class DropRuleError(Exception):
    """A drop request the rules refuse; `code` and `field` map onto a userError."""

    def __init__(self, code: DropErrorCode, message: str, *, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def meets_notice_period(*, drop_date: date, requested_on: date, notice_days: int) -> bool:
    """Whether a drop was asked for far enough ahead.

    Spec: "that they are within any specified time frame [e.g., requiring
    30 days notice of an intended drop, etc.]". Notice counts from the day
    the customer submitted the request, not the day staff review it, so a
    slow review never turns a valid request invalid. The drop date may fall
    exactly `notice_days` after the request.
    """
    if notice_days < 0:
        raise ValueError("notice_days must not be negative")
    return drop_date >= requested_on + timedelta(days=notice_days)


def check_drop_request(
    *,
    drop_date: date,
    reason: str | None,
    requested_on: date,
    notice_days: int,
    valid_reasons: frozenset[str] | None,
) -> None:
    """Raise DropRuleError unless the drop request may be approved.

    Spec: "the request meets your criteria for valid requests (such as Drop
    requests including a valid Drop Reason and/or that they are within any
    specified time frame [e.g., requiring 30 days notice of an intended
    drop, etc.] )."

    A blank reason is DROP_REASON_REQUIRED. When `valid_reasons` is given,
    the reason (surrounding spaces ignored, case kept) must be one of them,
    else INVALID_DROP_REASON. A drop date earlier than `notice_days` after
    `requested_on` is NOTICE_PERIOD_NOT_MET. The reason is checked first.
    """
    cleaned = (reason or "").strip()
    if not cleaned:
        raise DropRuleError(
            DropErrorCode.DROP_REASON_REQUIRED,
            "A drop reason is required.",
            field="reason",
        )
    if valid_reasons is not None and cleaned not in valid_reasons:
        raise DropRuleError(
            DropErrorCode.INVALID_DROP_REASON,
            f"{cleaned!r} is not a valid drop reason.",
            field="reason",
        )
    if not meets_notice_period(
        drop_date=drop_date, requested_on=requested_on, notice_days=notice_days
    ):
        earliest = requested_on + timedelta(days=notice_days)
        raise DropRuleError(
            DropErrorCode.NOTICE_PERIOD_NOT_MET,
            f"Drops need {notice_days} days notice; the earliest drop date "
            f"for this request is {earliest.isoformat()}.",
            field="dropDate",
        )


def student_label(*, name: str, enrollment_type: EnrollmentType) -> str:
    """Student name as shown on a Drop entry in the Online Activity window.

    Spec: "If a Drop request is submitted for a TRIAL type enrollment, the
    phrase "(TRIAL)" will appear beside the student name in the Online
    Activity entry."
    """
    if enrollment_type is EnrollmentType.TRIAL:
        return f"{name} (TRIAL)"
    return name
