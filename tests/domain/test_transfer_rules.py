"""Transfer approval rules: drop dates carried, clamped and pre-filled."""

from datetime import date
from typing import Any

import pytest

from domain.rules.enrollment_types import EnrollmentType
from domain.rules.transfers import (
    TransferErrorCode,
    TransferPlan,
    TransferRuleError,
    default_previous_class_drop_date,
    plan_transfer,
)

TODAY = date(2024, 3, 1)
TRANSFER = date(2024, 3, 15)
DAY_BEFORE_TRANSFER = date(2024, 3, 14)


def _plan(**changes: Any) -> TransferPlan:
    arguments: dict[str, Any] = {
        "transfer_date": TRANSFER,
        "original_drop_date": None,
        "new_class_end_date": None,
        "new_session_end_date": None,
        "today": TODAY,
        "previous_class_drop_date_override": None,
        "original_type": EnrollmentType.STANDARD,
        "requested_type": None,
        "original_already_transferred": False,
    }
    arguments.update(changes)
    return plan_transfer(**arguments)


@pytest.mark.parametrize(
    ("changes", "new_drop", "previous_drop"),
    [
        pytest.param({}, None, DAY_BEFORE_TRANSFER, id="no-drop-date"),
        pytest.param(
            {"original_drop_date": date(2024, 2, 20)},
            None,
            date(2024, 2, 20),
            id="past-drop-not-carried-but-kept-for-previous-class",
        ),
        pytest.param(
            {"original_drop_date": TODAY},
            None,
            TODAY,
            id="drop-today-is-not-future",
        ),
        pytest.param(
            {"original_drop_date": date(2024, 6, 30)},
            date(2024, 6, 30),
            DAY_BEFORE_TRANSFER,
            id="future-drop-carried",
        ),
        pytest.param(
            {"original_drop_date": TRANSFER},
            TRANSFER,
            DAY_BEFORE_TRANSFER,
            id="future-drop-on-transfer-date-carried",
        ),
        pytest.param(
            {"original_drop_date": date(2024, 3, 10)},
            None,
            date(2024, 3, 10),
            id="future-drop-before-transfer-ends-the-previous-class-only",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 3, 10),
                "previous_class_drop_date_override": date(2024, 3, 12),
            },
            None,
            date(2024, 3, 12),
            id="staff-date-up-to-the-day-before-over-an-earlier-drop",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 6, 30),
                "new_class_end_date": date(2024, 5, 31),
            },
            date(2024, 5, 31),
            DAY_BEFORE_TRANSFER,
            id="carried-drop-clamped-by-class-end",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 6, 30),
                "new_session_end_date": date(2024, 5, 15),
            },
            date(2024, 5, 15),
            DAY_BEFORE_TRANSFER,
            id="carried-drop-clamped-by-session-end",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 6, 30),
                "new_class_end_date": date(2024, 5, 31),
                "new_session_end_date": date(2024, 5, 15),
            },
            date(2024, 5, 15),
            DAY_BEFORE_TRANSFER,
            id="both-ends-session-earlier",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 6, 30),
                "new_class_end_date": date(2024, 5, 10),
                "new_session_end_date": date(2024, 5, 15),
            },
            date(2024, 5, 10),
            DAY_BEFORE_TRANSFER,
            id="both-ends-class-earlier",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 6, 30),
                "new_class_end_date": date(2024, 7, 31),
            },
            date(2024, 6, 30),
            DAY_BEFORE_TRANSFER,
            id="class-end-after-drop-keeps-drop",
        ),
        pytest.param(
            {"new_class_end_date": date(2024, 5, 31)},
            None,
            DAY_BEFORE_TRANSFER,
            id="class-end-without-carried-drop-sets-nothing",
        ),
        pytest.param(
            {"previous_class_drop_date_override": date(2024, 3, 10)},
            None,
            date(2024, 3, 10),
            id="override-wins-over-day-before",
        ),
        pytest.param(
            {
                "original_drop_date": date(2024, 2, 20),
                "previous_class_drop_date_override": date(2024, 3, 20),
            },
            None,
            date(2024, 3, 20),
            id="override-wins-over-existing-drop",
        ),
    ],
)
def test_transfer_dates(
    changes: dict[str, Any], new_drop: date | None, previous_drop: date
) -> None:
    # Given a transfer request with these dates; when it is planned
    plan = _plan(**changes)

    # Then the new and the previous enrollment get these drop dates
    assert plan.new_drop_date == new_drop
    assert plan.previous_class_drop_date == previous_drop


@pytest.mark.parametrize(
    ("original_drop", "expected"),
    [
        pytest.param(None, DAY_BEFORE_TRANSFER, id="none"),
        pytest.param(date(2024, 1, 5), date(2024, 1, 5), id="past-before-transfer"),
        pytest.param(date(2024, 3, 10), date(2024, 3, 10), id="future-before-transfer"),
        pytest.param(TRANSFER, DAY_BEFORE_TRANSFER, id="on-transfer-date"),
        pytest.param(date(2024, 6, 30), DAY_BEFORE_TRANSFER, id="after-transfer"),
    ],
)
def test_default_previous_class_drop_date(original_drop: date | None, expected: date) -> None:
    # Given an original enrollment with this drop date; when the UI pre-fills
    prefill = default_previous_class_drop_date(
        transfer_date=TRANSFER, original_drop_date=original_drop
    )

    # Then the "Drop Date For Previous Class" field shows
    assert prefill == expected


@pytest.mark.parametrize(
    ("original", "requested", "expected"),
    [
        pytest.param(EnrollmentType.STANDARD, None, EnrollmentType.STANDARD, id="keep"),
        pytest.param(
            EnrollmentType.STANDARD,
            EnrollmentType.TRIAL,
            EnrollmentType.TRIAL,
            id="standard-to-trial",
        ),
        pytest.param(
            EnrollmentType.TRIAL,
            EnrollmentType.STANDARD,
            EnrollmentType.STANDARD,
            id="trial-to-standard",
        ),
        pytest.param(
            EnrollmentType.STANDARD,
            EnrollmentType.WAITLIST,
            EnrollmentType.WAITLIST,
            id="active-to-waitlist",
        ),
        pytest.param(EnrollmentType.MAKEUP, None, EnrollmentType.MAKEUP, id="makeup-kept"),
        pytest.param(
            EnrollmentType.MAKEUP,
            EnrollmentType.MAKEUP,
            EnrollmentType.MAKEUP,
            id="makeup-same-type",
        ),
        pytest.param(
            EnrollmentType.STANDARD,
            EnrollmentType.MAKEUP,
            EnrollmentType.MAKEUP,
            id="request-for-a-makeup",
        ),
    ],
)
def test_new_enrollment_type(
    original: EnrollmentType,
    requested: EnrollmentType | None,
    expected: EnrollmentType,
) -> None:
    # Given an enrollment of one type and a requested type; when planned
    plan = _plan(original_type=original, requested_type=requested)

    # Then the new enrollment has the expected type
    assert plan.new_enrollment_type is expected


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        pytest.param(
            {"original_already_transferred": True},
            "TRANSFER_ALREADY_EXISTS",
            "enrollmentId",
            id="second-transfer",
        ),
        pytest.param(
            {"original_type": EnrollmentType.MAKEUP, "requested_type": EnrollmentType.STANDARD},
            "ENROLLMENT_TYPE_LOCKED",
            "enrollmentType",
            id="makeup-to-standard",
        ),
        pytest.param(
            {"original_type": EnrollmentType.MAKEUP, "requested_type": EnrollmentType.TRIAL},
            "ENROLLMENT_TYPE_LOCKED",
            "enrollmentType",
            id="makeup-to-trial",
        ),
        pytest.param(
            {
                "original_start_date": date(2024, 1, 8),
                "previous_class_drop_date_override": date(2024, 1, 7),
            },
            "INVALID_DROP_DATE",
            "previousClassDropDate",
            id="override-before-original-start",
        ),
        pytest.param(
            {"new_class_end_date": date(2024, 3, 14)},
            "INVALID_TRANSFER_DATE",
            "transferDate",
            id="class-ends-before-transfer",
        ),
        pytest.param(
            {"new_session_end_date": date(2024, 3, 14)},
            "INVALID_TRANSFER_DATE",
            "transferDate",
            id="session-ends-before-transfer",
        ),
        pytest.param(
            {"new_class_end_date": date(2024, 6, 30), "new_session_end_date": date(2024, 3, 1)},
            "INVALID_TRANSFER_DATE",
            "transferDate",
            id="session-over-though-class-runs-on",
        ),
        pytest.param(
            {
                "original_type": EnrollmentType.STANDARD,
                "requested_type": EnrollmentType.MAKEUP,
                "chosen_type": EnrollmentType.STANDARD,
            },
            "ENROLLMENT_TYPE_LOCKED",
            "enrollmentType",
            id="request-for-a-makeup-edited-by-staff",
        ),
        pytest.param(
            {"original_type": EnrollmentType.MAKEUP, "chosen_type": EnrollmentType.TRIAL},
            "ENROLLMENT_TYPE_LOCKED",
            "enrollmentType",
            id="makeup-edited-by-staff",
        ),
    ],
)
def test_refused_transfers(changes: dict[str, Any], code: str, field: str) -> None:
    # Given a transfer the rules do not allow; when it is planned
    with pytest.raises(TransferRuleError) as refused:
        _plan(**changes)

    # Then the error carries a stable code and the field to highlight
    assert refused.value.code == code
    assert refused.value.code is TransferErrorCode[code]
    assert refused.value.field == field
    assert refused.value.message


def test_staff_approve_a_makeup_asked_to_change_type_as_a_makeup() -> None:
    # Given a Makeup the family asked to turn into a Standard enrollment
    # When staff choose MAKEUP (not an edit)
    plan = _plan(
        original_type=EnrollmentType.MAKEUP,
        requested_type=EnrollmentType.STANDARD,
        chosen_type=EnrollmentType.MAKEUP,
    )

    # Then it is approved as a Makeup
    assert plan.new_enrollment_type is EnrollmentType.MAKEUP


def test_second_transfer_refused_before_anything_else() -> None:
    # Given a second transfer that is also a makeup type change
    with pytest.raises(TransferRuleError) as refused:
        _plan(
            original_already_transferred=True,
            original_type=EnrollmentType.MAKEUP,
            requested_type=EnrollmentType.STANDARD,
        )

    # Then the user hears that a transfer already exists
    assert refused.value.code == "TRANSFER_ALREADY_EXISTS"


@pytest.mark.parametrize(
    "override",
    [
        pytest.param(date(2024, 1, 8), id="on-start-date"),
        pytest.param(date(2024, 3, 20), id="after-transfer-overlap"),
    ],
)
def test_override_allowed_from_original_start(override: date) -> None:
    # Given an override on or after the original's start; when planned
    plan = _plan(
        original_start_date=date(2024, 1, 8),
        previous_class_drop_date_override=override,
    )

    # Then the original enrollment is dropped on the staff member's date
    assert plan.previous_class_drop_date == override


def test_default_day_before_start_is_not_refused() -> None:
    # Given a transfer on the original's first day and no override
    plan = _plan(original_start_date=TRANSFER)

    # Then the spec's default (the day before) is used, not refused
    assert plan.previous_class_drop_date == DAY_BEFORE_TRANSFER


def test_plan_is_immutable() -> None:
    # Given a plan; when someone tries to change it; then it refuses
    plan = _plan()
    with pytest.raises(AttributeError):
        plan.new_drop_date = TRANSFER  # type: ignore[misc]
