"""Capacity rules: approving enrollment requests never overbooks by accident."""

from dataclasses import dataclass

import pytest

from domain.rules.capacity import (
    CapacityErrorCode,
    CapacityRuleError,
    allocate_seats,
    check_capacity,
    free_seats,
    seats_needed,
)
from domain.rules.enrollment_types import EnrollmentType


@dataclass(frozen=True)
class Request:
    name: str
    enrollment_type: EnrollmentType = EnrollmentType.STANDARD


def _seats(request: Request) -> int:
    return seats_needed(enrollment_type=request.enrollment_type)


@pytest.mark.parametrize(
    ("capacity", "active", "adding"),
    [
        pytest.param(10, 9, 1, id="last-seat"),
        pytest.param(10, 0, 10, id="fills-exactly"),
        pytest.param(None, 500, 1, id="unlimited"),
        pytest.param(10, 10, 0, id="waitlist-into-full-class"),
        pytest.param(0, 0, 0, id="waitlist-into-zero-capacity"),
        pytest.param(10, 12, 0, id="waitlist-into-overbooked-class"),
    ],
)
def test_approval_fits(capacity: int | None, active: int, adding: int) -> None:
    # Given a class with room for the request; when approving
    # Then nothing is raised
    check_capacity(capacity=capacity, active_count=active, adding=adding, override=False)


@pytest.mark.parametrize(
    ("capacity", "active", "adding"),
    [
        pytest.param(10, 10, 1, id="full"),
        pytest.param(10, 9, 2, id="one-short"),
        pytest.param(10, 12, 1, id="already-overbooked"),
        pytest.param(0, 0, 1, id="zero-capacity"),
    ],
)
def test_overbooking_refused(capacity: int, active: int, adding: int) -> None:
    # Given a class without room; when approving without override
    with pytest.raises(CapacityRuleError) as refused:
        check_capacity(capacity=capacity, active_count=active, adding=adding, override=False)

    # Then the user is told the class is full
    assert refused.value.code is CapacityErrorCode.CLASS_FULL
    assert refused.value.code == "CLASS_FULL"
    assert refused.value.field == "classId"


def test_staff_override_allows_overbooking() -> None:
    # Given a full class; when a staff member explicitly overrides
    # Then the approval goes through
    check_capacity(capacity=10, active_count=10, adding=1, override=True)


def test_negative_adding_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_capacity(capacity=10, active_count=10, adding=-1, override=False)


@pytest.mark.parametrize(
    ("capacity", "active", "expected"),
    [
        pytest.param(10, 7, 3, id="open"),
        pytest.param(10, 10, 0, id="full"),
        pytest.param(10, 12, 0, id="overbooked-shows-none-left"),
        pytest.param(None, 12, None, id="unlimited"),
    ],
)
def test_free_seats(capacity: int | None, active: int, expected: int | None) -> None:
    assert free_seats(capacity=capacity, active_count=active) == expected


@pytest.mark.parametrize(
    ("enrollment_type", "seats"),
    [
        (EnrollmentType.STANDARD, 1),
        (EnrollmentType.TRIAL, 1),
        (EnrollmentType.MAKEUP, 1),
        (EnrollmentType.WAITLIST, 0),
    ],
)
def test_seats_needed(enrollment_type: EnrollmentType, seats: int) -> None:
    assert seats_needed(enrollment_type=enrollment_type) == seats


@pytest.mark.parametrize(
    ("capacity", "active", "approved", "refused"),
    [
        pytest.param(10, 7, ["a", "b", "c"], ["d", "e"], id="oldest-get-the-seats"),
        pytest.param(10, 0, ["a", "b", "c", "d", "e"], [], id="all-fit"),
        pytest.param(10, 10, [], ["a", "b", "c", "d", "e"], id="full"),
        pytest.param(10, 11, [], ["a", "b", "c", "d", "e"], id="overbooked"),
        pytest.param(None, 10**6, ["a", "b", "c", "d", "e"], [], id="unlimited"),
    ],
)
def test_mass_approve_allocation(
    capacity: int | None, active: int, approved: list[str], refused: list[str]
) -> None:
    # Given five requests, oldest first; when mass approving
    requests = [Request(name) for name in "abcde"]
    fit, left = allocate_seats(capacity=capacity, active_count=active, requests=requests)

    # Then the oldest that fit are approved, in order, and the rest refused
    assert [r.name for r in fit] == approved
    assert [r.name for r in left] == refused


def test_waitlist_requests_fit_a_full_class() -> None:
    # Given a class with one seat and a waitlist request among standard ones
    requests = [
        Request("a"),
        Request("b"),
        Request("w", EnrollmentType.WAITLIST),
        Request("c"),
    ]

    # When mass approving
    fit, left = allocate_seats(capacity=5, active_count=4, requests=requests, seats_for=_seats)

    # Then the oldest standard request and the waitlist one are approved
    assert [r.name for r in fit] == ["a", "w"]
    assert [r.name for r in left] == ["b", "c"]


def test_allocation_never_overbooks() -> None:
    for capacity in range(4):
        for active in range(5):
            fit, left = allocate_seats(
                capacity=capacity, active_count=active, requests=list(range(6))
            )
            assert len(fit) == min(max(capacity - active, 0), 6)
            assert fit + left == list(range(6))


def test_negative_seats_for_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        allocate_seats(capacity=1, active_count=0, requests=["a"], seats_for=lambda _: -1)
