"""Realistic records behind window entries, made directly with the models and
``record_entries`` (independent of portal ingestion), for the action tests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, select
from strawberry import relay

from domain.journal import Journal
from domain.recording import NewEntry, record_entries
from domain.vocabulary import ActivityType, WindowStatus
from models import (
    Absence,
    AppointmentBooking,
    ClassOffering,
    Enrollment,
    EnrollmentNote,
    Family,
    OnlineOrder,
    OnlineOrderItem,
    Product,
    Student,
)
from models.base import Base, utcnow
from models.db import Database
from schema.entries import OBJECT_FOR_TYPE

_serial = itertools.count(1)
M = TypeVar("M", bound=Base)


def gid(activity_type: ActivityType | str, entry_id: int) -> str:
    """The global id of an entry, as the window shows it."""
    return relay.to_base64(OBJECT_FOR_TYPE[ActivityType(activity_type)].__name__, entry_id)


def now() -> datetime:
    return utcnow()


def today() -> date:
    return utcnow().date()


@dataclass(frozen=True)
class FamilyRef:
    id: int
    name: str
    student_ids: list[int]


async def family(
    db: Database,
    org: int,
    name: str = "Lee",
    *,
    email: str | None = "",
    opt_in: bool = True,
    suspended: bool = False,
    students: tuple[str, ...] = ("Ann",),
) -> FamilyRef:
    n = next(_serial)
    async with db.write() as session:
        row = Family(
            organisation_id=org,
            external_id=f"fam-{n}",
            name=name,
            email=f"{name.lower()}{n}@families.test" if email == "" else email,
            email_opt_in=opt_in,
            suspended=suspended,
            notes="",
        )
        session.add(row)
        await session.flush()
        ids = []
        for first in students:
            student = Student(
                organisation_id=org,
                family_id=row.id,
                external_id=f"stu-{next(_serial)}",
                first_name=first,
                last_name=name,
            )
            session.add(student)
            await session.flush()
            ids.append(student.id)
        return FamilyRef(row.id, name, ids)


async def klass(
    db: Database,
    org: int,
    location: int,
    name: str = "Swim 1",
    *,
    capacity: int | None = None,
    class_end_date: date | None = None,
    session_end_date: date | None = None,
) -> tuple[int, str]:
    """A class; returns (id, external id)."""
    external_id = f"class-{next(_serial)}"
    async with db.write() as session:
        row = ClassOffering(
            organisation_id=org,
            location_id=location,
            external_id=external_id,
            name=name,
            capacity=capacity,
            class_end_date=class_end_date,
            session_end_date=session_end_date,
        )
        session.add(row)
        await session.flush()
        return row.id, external_id


async def enrollment(
    db: Database,
    org: int,
    student: int,
    class_id: int,
    *,
    status: str = "ACTIVE",
    kind: str = "STANDARD",
    start_date: date | None = None,
    drop_date: date | None = None,
    notes: tuple[str, ...] = (),
) -> int:
    async with db.write() as session:
        row = Enrollment(
            organisation_id=org,
            external_id=f"enr-{next(_serial)}",
            student_id=student,
            class_id=class_id,
            type=kind,
            status=status,
            start_date=start_date,
            drop_date=drop_date,
            punch_pass=False,
        )
        session.add(row)
        await session.flush()
        for text in notes:
            session.add(EnrollmentNote(enrollment_id=row.id, text=text))
        await session.flush()
        return row.id


async def entry(
    db: Database,
    org: int,
    activity_type: ActivityType,
    *,
    status: WindowStatus | None = None,
    occurred_at: datetime | None = None,
    **fields: Any,
) -> int:
    """Record one entry through the domain's recording path; returns its id."""
    kind = ActivityType(activity_type)
    if status is None:
        status = WindowStatus.NOTIFICATION
    async with db.write() as session:
        [row] = await record_entries(
            session,
            Journal(session),
            org,
            [
                NewEntry(
                    type=kind,
                    status=status,
                    occurred_at=occurred_at or utcnow() - timedelta(hours=1),
                    **fields,
                )
            ],
        )
        return row.id


async def enrollment_request(
    db: Database,
    org: int,
    location: int,
    fam: FamilyRef,
    class_id: int,
    *,
    occurred_at: datetime | None = None,
    notes: tuple[str, ...] = (),
    kind: str = "STANDARD",
) -> tuple[int, int]:
    """A REQUESTED enrollment and its pending entry; returns (entry, enrollment)."""
    enrollment_id = await enrollment(
        db, org, fam.student_ids[0], class_id, status="REQUESTED", kind=kind, notes=notes
    )
    entry_id = await entry(
        db,
        org,
        ActivityType.ENROLLMENT,
        status=WindowStatus.PENDING,
        occurred_at=occurred_at,
        location_id=location,
        family_id=fam.id,
        student_id=fam.student_ids[0],
        enrollment_id=enrollment_id,
        notes="\n".join(notes) or None,
        details={
            "class_name": "Swim 1",
            "student_name": f"Ann {fam.name}",
            "enrollment_type": kind,
        },
    )
    return entry_id, enrollment_id


async def drop_request(
    db: Database,
    org: int,
    location: int,
    fam: FamilyRef,
    enrollment_id: int,
    *,
    drop_date: date,
    reason: str | None = "Moving away",
    occurred_at: datetime | None = None,
) -> int:
    return await entry(
        db,
        org,
        ActivityType.DROP,
        status=WindowStatus.PENDING,
        occurred_at=occurred_at,
        location_id=location,
        family_id=fam.id,
        student_id=fam.student_ids[0],
        enrollment_id=enrollment_id,
        details={"class_name": "Swim 1", "drop_date": drop_date.isoformat(), "reason": reason},
    )


async def transfer_request(
    db: Database,
    org: int,
    location: int,
    fam: FamilyRef,
    enrollment_id: int,
    to_class_id: int,
    *,
    transfer_date: date,
    new_external_id: str | None = None,
) -> int:
    """A transfer request with the details ingestion records for one."""
    details: dict[str, Any] = {
        "from_class_name": "Swim 1",
        "to_class_name": "Swim 2",
        "transfer_date": transfer_date.isoformat(),
        "to_class_id": to_class_id,
    }
    if new_external_id:
        details["new_enrollment_external_id"] = new_external_id
    return await entry(
        db,
        org,
        ActivityType.TRANSFER,
        status=WindowStatus.PENDING,
        location_id=location,
        family_id=fam.id,
        student_id=fam.student_ids[0],
        enrollment_id=enrollment_id,
        details=details,
    )


async def absence_request(
    db: Database, org: int, location: int, fam: FamilyRef, enrollment_id: int
) -> tuple[int, int]:
    async with db.write() as session:
        absence = Absence(
            organisation_id=org,
            external_id=f"abs-{next(_serial)}",
            enrollment_id=enrollment_id,
            absence_date=today() + timedelta(days=7),
            reason="Holiday",
            status="REQUESTED",
        )
        session.add(absence)
        await session.flush()
        absence_id = absence.id
    entry_id = await entry(
        db,
        org,
        ActivityType.ABSENCE,
        status=WindowStatus.PENDING,
        location_id=location,
        family_id=fam.id,
        student_id=fam.student_ids[0],
        absence_id=absence_id,
        details={"absence_date": (today() + timedelta(days=7)).isoformat()},
    )
    return entry_id, absence_id


async def booking(
    db: Database,
    org: int,
    location: int,
    fam: FamilyRef,
    *,
    status: str = "REQUESTED",
    rescheduled_from: int | None = None,
) -> int:
    async with db.write() as session:
        row = AppointmentBooking(
            organisation_id=org,
            location_id=location,
            external_id=f"appt-{next(_serial)}",
            family_id=fam.id,
            student_id=fam.student_ids[0],
            title="Private lesson",
            starts_at=utcnow() + timedelta(days=3),
            status=status,
            rescheduled_from_id=rescheduled_from,
            notes="",
        )
        session.add(row)
        await session.flush()
        return row.id


async def online_order(
    db: Database, org: int, location: int, fam: FamilyRef, *, quantity: int = 2
) -> tuple[int, int, int]:
    """An order of one product held against stock: (entry, order, product)."""
    async with db.write() as session:
        product = Product(
            organisation_id=org,
            external_id=f"prod-{next(_serial)}",
            name="Swim cap",
            stock_on_hand=10,
            stock_held=quantity,
        )
        session.add(product)
        await session.flush()
        order = OnlineOrder(
            organisation_id=org,
            location_id=location,
            external_id=f"ord-{next(_serial)}",
            family_id=fam.id,
            total=Decimal("12.50") * quantity,
        )
        session.add(order)
        await session.flush()
        session.add(
            OnlineOrderItem(
                order_id=order.id,
                product_id=product.id,
                quantity=quantity,
                unit_price=Decimal("12.50"),
            )
        )
        order_id, product_id = order.id, product.id
    entry_id = await entry(
        db,
        org,
        ActivityType.ONLINE_ORDER,
        location_id=location,
        family_id=fam.id,
        order_id=order_id,
        details={"total": str(Decimal("12.50") * quantity), "items": []},
    )
    return entry_id, order_id, product_id


async def load(db: Database, model: type[M], row_id: int) -> M | None:
    async with db.read() as session:
        return await session.get(model, row_id)


async def count(db: Database, model: type[Base], *conditions: Any) -> int:
    async with db.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
        )
