"""Rules that keep approving enrollment requests from overbooking a class.

Spec: "it is intended that all enrollment requests will be reviewed one at a
time to ensure that approving the request will not overbook a class".

`active_count` is the number of seats already taken in the class; the caller
counts it and locks the class row while approving, so two approvals cannot
both take the last seat.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

from domain.errors import ErrorCode
from domain.rules.enrollment_types import EnrollmentType

T = TypeVar("T")


class CapacityErrorCode(ErrorCode):
    """Machine-readable reasons an enrollment cannot be approved."""

    CLASS_FULL = "CLASS_FULL", "The class has no free seat; approve with `overbook` to overbook it."


class CapacityRuleError(Exception):
    """Approval would overbook a class; `code` maps onto a userError."""

    def __init__(self, code: CapacityErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = "classId"


def seats_needed(*, enrollment_type: EnrollmentType) -> int:
    """Seats one enrollment of this type takes in its class.

    A waitlist enrollment waits for a seat instead of taking one, so it
    never makes a class full. Trial and makeup students attend, so they do.
    """
    return 0 if enrollment_type is EnrollmentType.WAITLIST else 1


def free_seats(*, capacity: int | None, active_count: int) -> int | None:
    """Seats still open, never negative; None when the class is unlimited."""
    if capacity is None:
        return None
    return max(capacity - active_count, 0)


def check_capacity(
    *, capacity: int | None, active_count: int, adding: int = 1, override: bool
) -> None:
    """Raise CapacityRuleError (CLASS_FULL) if approval would overbook.

    Spec: "to ensure that approving the request will not overbook a class".
    `capacity` None means the class has no limit. `adding` is the number of
    seats the approval takes (see `seats_needed`). `override` is the staff
    member's explicit choice to overbook while reviewing a single request;
    mass approve always passes override=False, since nobody looked at the
    class when the box was ticked.
    """
    if adding < 0:
        raise ValueError("adding must not be negative")
    seats = free_seats(capacity=capacity, active_count=active_count)
    if override or seats is None or adding <= seats:
        return
    raise CapacityRuleError(
        CapacityErrorCode.CLASS_FULL,
        f"The class is full: {seats} of {capacity} seats left, {adding} needed.",
    )


def allocate_seats(
    *,
    capacity: int | None,
    active_count: int,
    requests: Sequence[T],
    seats_for: Callable[[T], int] = lambda _request: 1,
) -> tuple[list[T], list[T]]:
    """Split a mass approve into requests that fit and requests refused.

    Spec: "it is intended that all enrollment requests will be reviewed one
    at a time to ensure that approving the request will not overbook a
    class". Mass approve has no override, so it never overbooks: requests
    take seats in the order given (pass them oldest first, the window's
    default order) and each one that no longer fits is refused. A request
    needing no seat (a waitlist one, via `seats_for`) always fits.
    """
    seats = free_seats(capacity=capacity, active_count=active_count)
    approved: list[T] = []
    refused: list[T] = []
    for request in requests:
        needed = seats_for(request)
        if needed < 0:
            raise ValueError("seats_for must not return a negative number")
        if seats is None or needed <= seats:
            approved.append(request)
            seats = None if seats is None else seats - needed
        else:
            refused.append(request)
    return approved, refused
