"""Rules for reviewing an enrollment Drop request.

Spec: "it is intended that all enrollment requests will be reviewed one at a
time to ensure ... that the request meets your criteria for valid requests
(such as Drop requests including a valid Drop Reason and/or that they are
within any specified time frame [e.g., requiring 30 days notice of an
intended drop, etc.] )." The criteria are the school's and the judgement is
staff's: a request that misses one is shown with what it misses, and staff
may still approve it by accepting those criteria explicitly.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import ErrorCode
from domain.rules.enrollment_types import EnrollmentType


class DropErrorCode(ErrorCode):
    """Machine-readable reasons a drop request misses the school's criteria."""

    DROP_REASON_REQUIRED = (
        "DROP_REASON_REQUIRED",
        "The school requires a drop reason and the request gives none.",
    )
    INVALID_DROP_REASON = (
        "INVALID_DROP_REASON",
        "The drop reason is not one of the school's valid reasons.",
    )
    NOTICE_PERIOD_NOT_MET = (
        "NOTICE_PERIOD_NOT_MET",
        "The drop date is within the school's notice period.",
    )


class DropCriterion(StrEnum):
    """A criterion of the school for valid drop requests; what staff accept
    (``acceptCriteria``) to approve a request that misses it."""

    DROP_REASON = "DROP_REASON"
    NOTICE_PERIOD = "NOTICE_PERIOD"


@dataclass(frozen=True)
class DropPolicy:
    """The organisation's criteria for a valid drop request."""

    notice_days: int = 30
    reason_required: bool = True
    # Empty: any reason that is not blank is valid.
    valid_reasons: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MissedCriterion:
    """One criterion a drop request misses, and why."""

    criterion: DropCriterion
    code: DropErrorCode
    message: str
    field: str


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
    30 days notice of an intended drop, etc.]". Notice counts in calendar
    days of the school (``requested_on`` is the local date of the request,
    see ``domain.calendar``) from the day the customer submitted the request,
    not the day staff review it, so a slow review never turns a valid
    request invalid. The drop date may fall exactly `notice_days` after the
    request.
    """
    if notice_days < 0:
        raise ValueError("notice_days must not be negative")
    return drop_date >= requested_on + timedelta(days=notice_days)


def earliest_drop_date(*, requested_on: date, notice_days: int) -> date:
    return requested_on + timedelta(days=notice_days)


def missed_criteria(
    *, drop_date: date, reason: str | None, requested_on: date, policy: DropPolicy
) -> list[MissedCriterion]:
    """The school's criteria this drop request misses, reason first.

    A blank reason misses DROP_REASON (DROP_REASON_REQUIRED) when the school
    requires one. A reason given when the school lists its valid reasons
    must be one of them (surrounding spaces ignored, case kept), else
    INVALID_DROP_REASON. A drop date earlier than the notice period after
    the request misses NOTICE_PERIOD (NOTICE_PERIOD_NOT_MET).
    """
    missed: list[MissedCriterion] = []
    cleaned = (reason or "").strip()
    if not cleaned and policy.reason_required:
        missed.append(
            MissedCriterion(
                DropCriterion.DROP_REASON,
                DropErrorCode.DROP_REASON_REQUIRED,
                "A drop reason is required.",
                "reason",
            )
        )
    elif cleaned and policy.valid_reasons and cleaned not in policy.valid_reasons:
        missed.append(
            MissedCriterion(
                DropCriterion.DROP_REASON,
                DropErrorCode.INVALID_DROP_REASON,
                f"{cleaned!r} is not one of the valid drop reasons.",
                "reason",
            )
        )
    if not meets_notice_period(
        drop_date=drop_date, requested_on=requested_on, notice_days=policy.notice_days
    ):
        earliest = earliest_drop_date(requested_on=requested_on, notice_days=policy.notice_days)
        missed.append(
            MissedCriterion(
                DropCriterion.NOTICE_PERIOD,
                DropErrorCode.NOTICE_PERIOD_NOT_MET,
                f"Drops need {policy.notice_days} days notice; the earliest drop date "
                f"for this request is {earliest.isoformat()}.",
                "dropDate",
            )
        )
    return missed


def check_drop_request(
    *,
    drop_date: date,
    reason: str | None,
    requested_on: date,
    policy: DropPolicy,
    accepted: Iterable[DropCriterion] = (),
) -> list[DropCriterion]:
    """Raise DropRuleError unless the drop request may be approved; return
    the missed criteria staff accepted (what the audit log records).

    "Staff judge, the server informs": a request that misses a criterion is
    approved only when staff accepted that criterion explicitly. Otherwise
    the first criterion missed and not accepted is the error (its code and
    field), its message naming every one still to accept.
    """
    missed = missed_criteria(
        drop_date=drop_date, reason=reason, requested_on=requested_on, policy=policy
    )
    chosen = frozenset(accepted)
    open_ = [m for m in missed if m.criterion not in chosen]
    if open_:
        first = open_[0]
        names = ", ".join(m.criterion.value for m in open_)
        raise DropRuleError(
            first.code,
            f"{' '.join(m.message for m in open_)} To approve it anyway, accept "
            f"the criteria: acceptCriteria: [{names}].",
            field=first.field,
        )
    return [m.criterion for m in missed]


def student_label(*, name: str, enrollment_type: EnrollmentType) -> str:
    """Student name as shown on a Drop entry in the Online Activity window.

    Spec: "If a Drop request is submitted for a TRIAL type enrollment, the
    phrase "(TRIAL)" will appear beside the student name in the Online
    Activity entry."
    """
    if enrollment_type is EnrollmentType.TRIAL:
        return f"{name} (TRIAL)"
    return name
