"""Drop request rules: reason, notice period and the TRIAL label."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.calendar import SchoolCalendar
from domain.drop_requests import shown_by_settings
from domain.rules.drops import (
    DropCriterion,
    DropErrorCode,
    DropPolicy,
    DropRuleError,
    check_drop_request,
    meets_notice_period,
    missed_criteria,
    student_label,
)
from domain.rules.enrollment_types import EnrollmentType

REQUESTED = date(2024, 3, 1)
THIRTY_DAYS_LATER = date(2024, 3, 31)
REASONS = frozenset({"Moving away", "Schedule conflict"})


def _check(**changes: Any) -> list[DropCriterion]:
    policy: dict[str, Any] = {"notice_days": 30, "reason_required": True, "valid_reasons": REASONS}
    arguments: dict[str, Any] = {
        "drop_date": THIRTY_DAYS_LATER,
        "reason": "Moving away",
        "requested_on": REQUESTED,
        "accepted": (),
    }
    for key, value in changes.items():
        if key in policy:
            policy[key] = value
        else:
            arguments[key] = value
    return check_drop_request(**arguments, policy=DropPolicy(**policy))


@pytest.mark.parametrize(
    ("drop_date", "notice_days", "expected"),
    [
        pytest.param(date(2024, 3, 30), 30, False, id="one-day-short"),
        pytest.param(THIRTY_DAYS_LATER, 30, True, id="exactly-30-days"),
        pytest.param(date(2024, 4, 1), 30, True, id="one-day-spare"),
        pytest.param(REQUESTED, 0, True, id="no-notice-same-day"),
        pytest.param(date(2024, 2, 29), 0, False, id="no-notice-backdated"),
    ],
)
def test_notice_period_boundary(drop_date: date, notice_days: int, expected: bool) -> None:
    # Given a drop requested on March 1; when the notice is measured
    met = meets_notice_period(drop_date=drop_date, requested_on=REQUESTED, notice_days=notice_days)

    # Then only a drop date at least `notice_days` later meets it
    assert met is expected


def test_negative_notice_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        meets_notice_period(drop_date=REQUESTED, requested_on=REQUESTED, notice_days=-1)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="valid"),
        pytest.param({"reason": "  Schedule conflict "}, id="spaces-ignored"),
        pytest.param({"valid_reasons": frozenset(), "reason": "Anything"}, id="free-text-reason"),
        pytest.param({"reason_required": False, "reason": "  "}, id="no-reason-when-none-required"),
        pytest.param({"drop_date": date(2024, 5, 1)}, id="more-notice"),
        pytest.param({"notice_days": 0, "drop_date": REQUESTED}, id="no-notice-rule"),
    ],
)
def test_acceptable_drop_requests(changes: dict[str, Any]) -> None:
    # Given a drop request that meets the criteria; when checked
    # Then nothing is raised
    _check(**changes)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param({"reason": None}, "DROP_REASON_REQUIRED", "reason", id="no-reason"),
        pytest.param({"reason": ""}, "DROP_REASON_REQUIRED", "reason", id="empty-reason"),
        pytest.param({"reason": "  \t"}, "DROP_REASON_REQUIRED", "reason", id="blank"),
        pytest.param(
            {"reason": "   ", "valid_reasons": frozenset()},
            "DROP_REASON_REQUIRED",
            "reason",
            id="blank-free-text",
        ),
        pytest.param({"reason": "Too expensive"}, "INVALID_DROP_REASON", "reason", id="not-listed"),
        pytest.param({"reason": "moving away"}, "INVALID_DROP_REASON", "reason", id="case-kept"),
        pytest.param(
            {"drop_date": date(2024, 3, 30)},
            "NOTICE_PERIOD_NOT_MET",
            "dropDate",
            id="one-day-short",
        ),
        pytest.param(
            {"reason": "", "drop_date": date(2024, 3, 2)},
            "DROP_REASON_REQUIRED",
            "reason",
            id="reason-checked-first",
        ),
    ],
)
def test_refused_drop_requests(changes: dict[str, Any], code: str, field: str) -> None:
    # Given a drop request that breaks a criterion; when checked
    with pytest.raises(DropRuleError) as refused:
        _check(**changes)

    # Then the error names the broken rule and the field
    assert refused.value.code is DropErrorCode[code]
    assert refused.value.field == field


def test_notice_error_tells_the_earliest_date() -> None:
    with pytest.raises(DropRuleError) as refused:
        _check(drop_date=date(2024, 3, 15))

    assert "2024-03-31" in refused.value.message


def test_a_request_missing_both_criteria_names_both() -> None:
    # Given a drop with no reason and ten days' notice
    policy = DropPolicy(notice_days=30, reason_required=True)
    missed = missed_criteria(
        drop_date=date(2024, 3, 11), reason=None, requested_on=REQUESTED, policy=policy
    )

    # Then it misses the reason first, then the notice period
    assert [(m.criterion, m.code) for m in missed] == [
        (DropCriterion.DROP_REASON, DropErrorCode.DROP_REASON_REQUIRED),
        (DropCriterion.NOTICE_PERIOD, DropErrorCode.NOTICE_PERIOD_NOT_MET),
    ]


@pytest.mark.parametrize(
    ("accepted", "code"),
    [
        pytest.param((), "DROP_REASON_REQUIRED", id="none-accepted"),
        pytest.param((DropCriterion.DROP_REASON,), "NOTICE_PERIOD_NOT_MET", id="reason-only"),
        pytest.param((DropCriterion.NOTICE_PERIOD,), "DROP_REASON_REQUIRED", id="notice-only"),
        pytest.param((DropCriterion.NOTICE_PERIOD, DropCriterion.DROP_REASON), None, id="both"),
    ],
)
def test_staff_approve_what_they_accept(accepted: tuple[DropCriterion, ...], code: str) -> None:
    # Given a drop missing both criteria; when staff accept some of them
    def check() -> list[DropCriterion]:
        return _check(reason="", drop_date=date(2024, 3, 11), accepted=accepted)

    if code is None:
        # Then accepting every missed criterion approves it, reporting what was accepted
        assert check() == [DropCriterion.DROP_REASON, DropCriterion.NOTICE_PERIOD]
        return
    # Then the first criterion not accepted refuses it, naming what is left to accept
    with pytest.raises(DropRuleError) as refused:
        check()
    assert refused.value.code == code
    assert "acceptCriteria" in refused.value.message


def test_accepting_a_criterion_the_request_meets_records_nothing() -> None:
    assert _check(accepted=(DropCriterion.NOTICE_PERIOD,)) == []


@pytest.mark.parametrize(
    ("enrollment_type", "expected"),
    [
        pytest.param(EnrollmentType.TRIAL, "Ann Lee (TRIAL)", id="trial"),
        pytest.param(EnrollmentType.STANDARD, "Ann Lee", id="standard"),
        pytest.param(EnrollmentType.MAKEUP, "Ann Lee", id="makeup"),
        pytest.param(EnrollmentType.WAITLIST, "Ann Lee", id="waitlist"),
    ],
)
def test_student_label(enrollment_type: EnrollmentType, expected: str) -> None:
    # Given a Drop entry for Ann Lee; when the window shows her name
    label = student_label(name="Ann Lee", enrollment_type=enrollment_type)

    # Then only a TRIAL enrollment is marked
    assert label == expected


# What a drop entry shows that the settings decide: a settings change
# journals the entries for which this differs (domain.settings_effects).
ASKED_LATE = datetime(2024, 3, 1, 2, 30, tzinfo=UTC)  # still February 29 in Chicago
DROP = {"drop_date": "2024-03-31", "reason": "Moving away"}


def test_a_time_zone_change_shows_a_drop_differently_only_when_its_request_day_moves() -> None:
    utc, chicago, tokyo = (SchoolCalendar(z) for z in ("UTC", "America/Chicago", "Asia/Tokyo"))
    policy = DropPolicy(notice_days=30)

    def shown(calendar: SchoolCalendar) -> tuple[object, ...]:
        return shown_by_settings("DROP", DROP, ASKED_LATE, calendar, policy)

    # the request day moves back to February 29, so the notice is now met
    assert shown(utc) != shown(chicago)
    assert shown(chicago)[1:3] == (date(2024, 2, 29), True)
    # Tokyo reads March 1 too: nothing the entry shows changes
    assert shown(utc) == shown(tokyo)


def test_a_reason_list_change_shows_only_the_drops_whose_reason_it_decides_differently() -> None:
    calendar = SchoolCalendar("UTC")
    before = DropPolicy(notice_days=30)
    after = DropPolicy(notice_days=30, valid_reasons=frozenset({"Moving away"}))

    def differs(details: dict[str, Any]) -> bool:
        return shown_by_settings(
            "DROP", details, ASKED_LATE, calendar, before
        ) != shown_by_settings("DROP", details, ASKED_LATE, calendar, after)

    assert not differs(DROP)
    assert differs({**DROP, "reason": "Cost"})
    # an entry without a drop date still shows the notice period and the request day
    assert not differs({"reason": "Cost"})
    assert shown_by_settings("DROP", {}, ASKED_LATE, calendar, DropPolicy(notice_days=7)) == (
        7,
        date(2024, 3, 1),
    )
