"""Entries made directly through the domain, for tests of reading and acting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.journal import ChangeKind, Journal, WindowChange
from domain.recording import NewEntry, record_entries
from domain.vocabulary import ActivityType, WindowStatus, initial_status
from models import Family, Student
from models.base import utcnow
from models.db import Database


async def add_family(
    database: Database, organisation_id: int, name: str = "Lee", email: str | None = None
) -> tuple[int, int]:
    """A family with one student; returns (family id, student id)."""
    async with database.write() as session:
        family = Family(
            organisation_id=organisation_id,
            external_id=f"fam-{name}-{utcnow().timestamp()}",
            name=name,
            email=email or f"{name.lower()}@families.test",
            email_opt_in=True,
            suspended=False,
            notes="",
        )
        session.add(family)
        await session.flush()
        student = Student(
            organisation_id=organisation_id,
            family_id=family.id,
            external_id=f"stu-{family.id}",
            first_name="Ann",
            last_name=name,
        )
        session.add(student)
        await session.flush()
        return family.id, student.id


async def add_entries(
    database: Database,
    organisation_id: int,
    *specs: dict[str, Any],
    start: datetime | None = None,
) -> list[int]:
    """Record entries, one a minute from ``start`` (default: a day ago).

    Each spec may give type, status (else the type's default), auto_approved,
    location_id, family_id, student_id, notes, details, occurred_at, and the
    records it refers to (enrollment_id, appointment_id, absence_id).
    """
    base = start or utcnow() - timedelta(days=1)
    new = []
    for index, spec in enumerate(specs):
        activity_type = ActivityType(spec.get("type", ActivityType.PAYMENT))
        status = spec.get("status") or initial_status(
            activity_type, auto_approved=spec.get("auto_approved")
        )
        new.append(
            NewEntry(
                type=activity_type,
                status=WindowStatus(status),
                occurred_at=spec.get("occurred_at", base + timedelta(minutes=index)),
                location_id=spec.get("location_id"),
                family_id=spec.get("family_id"),
                student_id=spec.get("student_id"),
                notes=spec.get("notes"),
                details=spec.get("details", {}),
                enrollment_id=spec.get("enrollment_id"),
                appointment_id=spec.get("appointment_id"),
                absence_id=spec.get("absence_id"),
            )
        )
    async with database.write() as session:
        rows = await record_entries(session, Journal(session), organisation_id, new)
        return [row.id for row in rows]


CHANGE_AT = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def added_payment(organisation_id: int, sequence: int, entry_id: int | None = None) -> WindowChange:
    """A live change as the journal publishes it: a payment recorded, no location."""
    return WindowChange(
        organisation_id=organisation_id,
        sequence=sequence,
        entry_id=100 + sequence if entry_id is None else entry_id,
        change=ChangeKind.ADDED,
        reason="RECORDED",
        type="PAYMENT",
        status="NOTIFICATION",
        location_id=None,
        at=CHANGE_AT,
    )
