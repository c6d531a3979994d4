"""Rules for the organisation's settings: what a valid change is.

The settings are the ones the window's rules depend on: the time zone every
calendar rule reads its dates in, the drop criteria ("requiring 30 days
notice of an intended drop", "a valid Drop Reason"), whether enrollments
"created via Punch Pass redemption" appear, and "Require saved payment
method authorized for recurring billing".
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.calendar import is_time_zone
from domain.errors import ErrorCode

MAX_NOTICE_DAYS = 365
MAX_DROP_REASONS = 50
MAX_DROP_REASON_LENGTH = 200
MAX_TIME_ZONE_LENGTH = 64


class SettingsErrorCode(ErrorCode):
    """Machine-readable reasons a settings change is refused."""

    ACCESS_DENIED = "ACCESS_DENIED", 'Changing settings needs full permission on "Settings".'
    INVALID_TIME_ZONE = "INVALID_TIME_ZONE", "Not an IANA time zone name."
    INVALID_NOTICE_PERIOD = "INVALID_NOTICE_PERIOD", "The notice period is negative or too long."
    BLANK_DROP_REASON = "BLANK_DROP_REASON", "A drop reason is blank."
    DROP_REASON_TOO_LONG = "DROP_REASON_TOO_LONG", "A drop reason is too long."
    DUPLICATE_DROP_REASON = "DUPLICATE_DROP_REASON", "A drop reason is listed twice."
    TOO_MANY_DROP_REASONS = "TOO_MANY_DROP_REASONS", "More drop reasons than the school may list."


@dataclass(frozen=True)
class SettingsProblem:
    code: SettingsErrorCode
    message: str
    field: str
    index: int | None = None


@dataclass(frozen=True)
class SettingsChange:
    """What staff change; None leaves a setting as it is."""

    time_zone: str | None = None
    drop_notice_days: int | None = None
    drop_reason_required: bool | None = None
    drop_reasons: tuple[str, ...] | None = None
    punch_pass_enrollments: bool | None = None
    require_saved_payment_method: bool | None = None


def cleaned_drop_reasons(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """Reasons as kept: surrounding spaces removed, order as given."""
    return tuple(reason.strip() for reason in reasons)


def check_change(change: SettingsChange) -> list[SettingsProblem]:
    """Every problem with ``change``; an empty list means it may be saved.

    The time zone must be an IANA name (``America/Chicago``, ``UTC``). The
    notice period is 0 to 365 days. Drop reasons are at most 50, each not
    blank, at most 200 characters and listed once (spaces around ignored);
    an empty list means any reason that is not blank is valid.
    """
    problems: list[SettingsProblem] = []
    zone = change.time_zone
    if zone is not None and (len(zone) > MAX_TIME_ZONE_LENGTH or not is_time_zone(zone)):
        problems.append(
            SettingsProblem(
                SettingsErrorCode.INVALID_TIME_ZONE,
                f"{zone!r} is not an IANA time zone (such as America/Chicago or UTC)",
                "timeZone",
            )
        )
    days = change.drop_notice_days
    if days is not None and not 0 <= days <= MAX_NOTICE_DAYS:
        problems.append(
            SettingsProblem(
                SettingsErrorCode.INVALID_NOTICE_PERIOD,
                f"the drop notice period must be between 0 and {MAX_NOTICE_DAYS} days",
                "dropNoticeDays",
            )
        )
    if change.drop_reasons is not None:
        problems += _reason_problems(change.drop_reasons)
    return problems


def _reason_problems(reasons: tuple[str, ...]) -> list[SettingsProblem]:
    problems: list[SettingsProblem] = []
    if len(reasons) > MAX_DROP_REASONS:
        problems.append(
            SettingsProblem(
                SettingsErrorCode.TOO_MANY_DROP_REASONS,
                f"{len(reasons)} drop reasons given; at most {MAX_DROP_REASONS}",
                "dropReasons",
            )
        )
    seen: set[str] = set()
    for index, reason in enumerate(cleaned_drop_reasons(reasons)):
        if not reason:
            problems.append(
                SettingsProblem(
                    SettingsErrorCode.BLANK_DROP_REASON,
                    "a drop reason must not be blank",
                    "dropReasons",
                    index,
                )
            )
        elif len(reason) > MAX_DROP_REASON_LENGTH:
            problems.append(
                SettingsProblem(
                    SettingsErrorCode.DROP_REASON_TOO_LONG,
                    f"a drop reason is at most {MAX_DROP_REASON_LENGTH} characters",
                    "dropReasons",
                    index,
                )
            )
        elif reason in seen:
            problems.append(
                SettingsProblem(
                    SettingsErrorCode.DUPLICATE_DROP_REASON,
                    f"{reason!r} is listed twice",
                    "dropReasons",
                    index,
                )
            )
        seen.add(reason)
    return problems
