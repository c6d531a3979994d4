"""Checks on a portal event before anything is written.

Every problem is reported at once, each with the path of the input field at
fault (as the portal spelled it, from the mutation's ``input`` argument), and
nothing is recorded while any remains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from domain.errors import InvalidRequest, Problem
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import (
    BookingRef,
    ClassRef,
    EnrollmentRef,
    FamilyRef,
    LocationRef,
    PortalEventRequest,
    StudentRef,
)

# The portal's clock may run a little ahead of ours; more than this is a bug.
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_LIST = 100
MAX_NOTES = 10_000
MAX_MONEY = Decimal("9999999999.99")

Path = tuple[str, ...]


class Checks:
    """Collects problems; ``raise_if_any`` refuses the request with all of them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: PortalEventErrorCode, message: str, path: Path) -> None:
        self.problems.append(Problem(code=code, message=message, field=path))

    def text(self, value: str | None, path: Path, *, limit: int, required: bool = True) -> None:
        if value is None or not value.strip():
            if required:
                self.add(PortalEventErrorCode.REQUIRED, f"{path[-1]} must not be blank", path)
            return
        if len(value) > limit:
            self.add(
                PortalEventErrorCode.TOO_LONG, f"{path[-1]} is longer than {limit} characters", path
            )

    def aware(self, value: datetime, path: Path) -> None:
        if value.tzinfo is None or value.utcoffset() is None:
            self.add(
                PortalEventErrorCode.NAIVE_DATETIME,
                f"{path[-1]} must carry a time zone offset",
                path,
            )

    def money(self, value: Decimal, path: Path, *, positive: bool) -> None:
        if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
            self.add(
                PortalEventErrorCode.INVALID_AMOUNT,
                f"{path[-1]} must be an amount with at most 2 decimals",
                path,
            )
        elif positive and value <= 0:
            self.add(
                PortalEventErrorCode.NOT_POSITIVE, f"{path[-1]} must be greater than zero", path
            )
        elif value < 0:
            self.add(PortalEventErrorCode.NEGATIVE, f"{path[-1]} must not be negative", path)
        elif value > MAX_MONEY:
            self.add(PortalEventErrorCode.TOO_LARGE, f"{path[-1]} is too large", path)

    def listed(self, items: Sequence[object], path: Path, *, required: bool) -> None:
        if required and not items:
            self.add(PortalEventErrorCode.EMPTY_LIST, f"{path[-1]} must name at least one", path)
        if len(items) > MAX_LIST:
            self.add(PortalEventErrorCode.TOO_MANY, f"{path[-1]} may hold at most {MAX_LIST}", path)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidRequest(self.problems)


def validate_request(request: PortalEventRequest, *, now: datetime) -> None:
    """Refuse a malformed event with every problem found; changes nothing."""
    checks = Checks()
    root: Path = ("input",)
    checks.text(request.idempotency_key, (*root, "idempotencyKey"), limit=200)
    if request.occurred_at is not None:
        checks.aware(request.occurred_at, (*root, "occurredAt"))
        if request.occurred_at.tzinfo is not None and request.occurred_at > now + FUTURE_TOLERANCE:
            checks.add(
                PortalEventErrorCode.IN_THE_FUTURE,
                "occurredAt is in the future: the portal reports what has happened",
                (*root, "occurredAt"),
            )
    checks.text(request.notes, (*root, "notes"), limit=MAX_NOTES, required=False)
    for item in fields(request):
        value = getattr(request, item.name)
        where = (
            (*root, "event", value.field) if item.name == "event" else (*root, _camel(item.name))
        )
        _no_nul(checks, value, where)
    _family(checks, request.family, (*root, "family"))
    event = request.event
    event.check(checks, (*root, "event", event.field))
    checks.raise_if_any()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _no_nul(checks: Checks, value: object, path: Path) -> None:
    """No text anywhere in the event holds a NUL character: PostgreSQL can
    store none (the payload's JSON nor a text column), and on SQLite it
    would cut names short. Refused like any malformed field (issue 10: it
    reached the portal as the driver's error, with the whole payload)."""
    if isinstance(value, str):
        if "\x00" in value:
            checks.add(
                PortalEventErrorCode.INVALID_CHARACTER, f"{path[-1]} contains a NUL character", path
            )
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            _no_nul(checks, getattr(value, item.name), (*path, _camel(item.name)))
    elif isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _no_nul(checks, element, (*path, str(index)))
    elif isinstance(value, dict):
        for key, element in value.items():
            _no_nul(checks, key, path)
            _no_nul(checks, element, (*path, str(key)))


def _family(checks: Checks, family: FamilyRef, path: Path) -> None:
    checks.text(family.external_id, (*path, "externalId"), limit=100)
    checks.text(family.name, (*path, "name"), limit=200)
    checks.text(family.email, (*path, "email"), limit=320, required=False)
    if family.email and "@" not in family.email:
        checks.add(
            PortalEventErrorCode.INVALID_EMAIL, "email must be an email address", (*path, "email")
        )


def check_location(checks: Checks, location: LocationRef | None, path: Path) -> None:
    if location is not None:
        checks.text(location.external_id, (*path, "externalId"), limit=100)
        checks.text(location.name, (*path, "name"), limit=200)


def check_student(checks: Checks, student: StudentRef | None, path: Path) -> None:
    if student is not None:
        checks.text(student.external_id, (*path, "externalId"), limit=100)
        checks.text(student.first_name, (*path, "firstName"), limit=100)
        checks.text(student.last_name, (*path, "lastName"), limit=100, required=False)


def check_class(checks: Checks, offering: ClassRef, path: Path) -> None:
    checks.text(offering.external_id, (*path, "externalId"), limit=100)
    checks.text(offering.name, (*path, "name"), limit=200)
    check_location(checks, offering.location, (*path, "location"))
    if isinstance(offering.capacity, int) and offering.capacity < 0:
        checks.add(
            PortalEventErrorCode.NEGATIVE, "capacity must not be negative", (*path, "capacity")
        )


def check_enrollment(checks: Checks, enrollment: EnrollmentRef, path: Path) -> None:
    checks.text(enrollment.external_id, (*path, "externalId"), limit=100)
    check_student(checks, enrollment.student, (*path, "student"))
    check_class(checks, enrollment.offering, (*path, "class"))


def check_booking(checks: Checks, booking: BookingRef, path: Path) -> None:
    checks.text(booking.external_id, (*path, "externalId"), limit=100)
    checks.text(booking.title, (*path, "title"), limit=200)
    checks.aware(booking.starts_at, (*path, "startsAt"))
    check_location(checks, booking.location, (*path, "location"))
    check_student(checks, booking.student, (*path, "student"))
