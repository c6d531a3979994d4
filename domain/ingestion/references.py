"""The records an event refers to, upserted by the portal's external ids.

The portal sends each record with its descriptive fields, so the service
needs no other feed: ``INSERT .. ON CONFLICT (organisation_id, external_id)
DO UPDATE`` keeps them current in one statement that is safe under
concurrency. State we own (an enrollment's status, a family's suspension)
is set only when the row is new, never overwritten by a later event.

A field the event leaves out is unknown, never its schema default: the
upsert keeps what we know (an enrollment's TRIAL type, a class's capacity
and end dates, a booking's location and student, a family's email and
email-blast choice). Only what was sent replaces what we have.

Records an event *creates* (a payment, an order, a requested enrollment...)
are inserted with ``ON CONFLICT DO NOTHING`` instead: seeing one again under
another idempotency key is ``DUPLICATE_RECORD``, never a second copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import InvalidRequest
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import (
    NOT_SENT,
    BookingRef,
    ClassRef,
    EnrollmentRef,
    FamilyRef,
    LocationRef,
    ProductRef,
    StudentRef,
)
from models import (
    AppointmentBooking,
    ClassOffering,
    Enrollment,
    Family,
    Location,
    Product,
    Student,
)
from models.base import Base
from models.statuses import AppointmentStatus, EnrollmentStatus

KEY = ["organisation_id", "external_id"]


def _insert(session: AsyncSession, model: type[Base]) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


@dataclass(frozen=True)
class ResolvedClass:
    id: int
    location_id: int
    name: str


@dataclass(frozen=True)
class ResolvedEnrollment:
    id: int
    student_id: int
    student_name: str
    offering: ResolvedClass
    # None: unknown (the portal never said).
    type: str | None
    status: EnrollmentStatus
    drop_date: Any


@dataclass(frozen=True)
class ResolvedBooking:
    id: int
    location_id: int | None
    student_id: int | None
    student_name: str | None


class References:
    """Upserts within one unit of work, each record once per event."""

    def __init__(self, session: AsyncSession, organisation_id: int) -> None:
        self.session = session
        self.organisation_id = organisation_id
        self._ids: dict[tuple[str, str], Any] = {}

    async def _upsert(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        returning: tuple[InstrumentedAttribute[Any], ...],
        *,
        replace: tuple[str, ...],
        fill: tuple[str, ...] = (),
    ) -> Any:
        """Insert, or update ``replace`` columns with what was sent and
        ``fill`` columns only where something was sent (NULL keeps ours)."""
        insert = _insert(self.session, model)
        table = model.__table__
        set_: dict[str, Any] = {name: insert.excluded[name] for name in replace}
        set_.update({name: func.coalesce(insert.excluded[name], table.c[name]) for name in fill})
        statement = (
            insert.values(organisation_id=self.organisation_id, **values)
            .on_conflict_do_update(index_elements=KEY, set_=set_)
            .returning(*returning)
        )
        return (await self.session.execute(statement)).one()

    async def create_once(
        self,
        model: type[Base],
        values: Mapping[str, Any],
        *,
        field: tuple[str, ...],
        key: tuple[str, ...] = tuple(KEY),
    ) -> int:
        """Insert a record the event creates; refuse one seen before."""
        insert = _insert(self.session, model)
        created = await self.session.scalar(
            insert.values(organisation_id=self.organisation_id, **values)
            .on_conflict_do_nothing(index_elements=list(key))
            .returning(model.id)  # type: ignore[attr-defined]
        )
        if created is None:
            raise InvalidRequest.one(
                PortalEventErrorCode.DUPLICATE_RECORD,
                f"{values['external_id']} was already recorded by another event",
                *field,
            )
        return int(created)

    async def _in_id_order(self, model: Any, external_ids: Iterable[str]) -> list[str]:
        """The external ids in the lock order of one table (``domain.lock_order``,
        step 3): rows we have by id, then new ones by external id (so two
        events inserting the same new records wait on them in one order)."""
        wanted = sorted(set(external_ids))
        if len(wanted) < 2:
            return wanted
        known: dict[str, int] = {
            external_id: int(row_id)
            for external_id, row_id in await self.session.execute(
                select(model.external_id, model.id).where(
                    model.organisation_id == self.organisation_id,
                    model.external_id.in_(wanted),
                )
            )
        }
        return sorted(wanted, key=lambda e: (0, known[e], "") if e in known else (1, 0, e))

    async def offerings(self, refs: Sequence[ClassRef]) -> None:
        """Upsert several classes in the lock order: their locations, then
        the classes, each table in id order (the per-class calls then find
        them done)."""
        by_id = {ref.external_id: ref for ref in refs}
        locations = {ref.location.external_id: ref.location for ref in refs}
        for external_id in await self._in_id_order(Location, locations):
            await self.location(locations[external_id])
        for external_id in await self._in_id_order(ClassOffering, by_id):
            await self.offering(by_id[external_id])

    async def enrollments(
        self, refs: Sequence[EnrollmentRef], family_id: int
    ) -> list[ResolvedEnrollment]:
        """Several existing enrollments (``enrollment``), upserted in the lock
        order: students, locations, classes, enrollments, each in id order.
        Returned in the order given."""
        students = {ref.student.external_id: ref.student for ref in refs}
        for external_id in await self._in_id_order(Student, students):
            await self.student(students[external_id], family_id)
        await self.offerings([ref.offering for ref in refs])
        by_id = {ref.external_id: ref for ref in refs}
        resolved = {
            external_id: await self.enrollment(by_id[external_id], family_id)
            for external_id in await self._in_id_order(Enrollment, by_id)
        }
        return [resolved[ref.external_id] for ref in refs]

    async def products(self, refs: Sequence[ProductRef]) -> None:
        """Upsert several products in id order (``product`` then finds them done)."""
        by_id = {ref.external_id: ref for ref in refs}
        for external_id in await self._in_id_order(Product, by_id):
            await self.product(by_id[external_id])

    async def family(self, ref: FamilyRef) -> int:
        """The family: name kept current; email and the email-blast choice
        only when sent ("the system will abide by the family's choice to
        opt-in/opt-out of Email Blasts"); suspension and notes are ours."""
        row = await self._upsert(
            Family,
            {
                "external_id": ref.external_id,
                "name": ref.name,
                "email": ref.email,
                "email_opt_in": True if ref.email_opt_in is None else ref.email_opt_in,
                "suspended": False,
                "notes": "",
            },
            (Family.id,),
            replace=(
                "name",
                *(() if ref.email is None else ("email",)),
                *(() if ref.email_opt_in is None else ("email_opt_in",)),
            ),
        )
        return int(row.id)

    async def location(self, ref: LocationRef) -> int:
        """Read first, upsert only a new or renamed location: nearly every
        event of a school names one of its few locations, and the upsert's
        row lock, held to commit, queued all of them behind each other
        (issue 10: "under overload a portal event ... must keep a bounded
        latency"). Nothing is decided from a location's row, so an
        unchanged one needs no lock."""
        key = ("location", ref.external_id)
        if key not in self._ids:
            known = (
                await self.session.execute(
                    select(Location.id, Location.name).where(
                        Location.organisation_id == self.organisation_id,
                        Location.external_id == ref.external_id,
                    )
                )
            ).one_or_none()
            if known is not None and known.name == ref.name:
                self._ids[key] = int(known.id)
                return int(known.id)
            row = await self._upsert(
                Location,
                {"external_id": ref.external_id, "name": ref.name},
                (Location.id,),
                replace=("name",),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])

    async def student(self, ref: StudentRef, family_id: int) -> int:
        key = ("student", ref.external_id)
        if key not in self._ids:
            row = await self._upsert(
                Student,
                {
                    "external_id": ref.external_id,
                    "family_id": family_id,
                    "first_name": ref.first_name,
                    "last_name": ref.last_name,
                },
                (Student.id,),
                replace=("family_id", "first_name", "last_name"),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])

    async def offering(self, ref: ClassRef) -> ResolvedClass:
        key = ("class", ref.external_id)
        if key not in self._ids:
            location_id = await self.location(ref.location)
            # Sent (a value, or null for "unlimited" / "no end date") replaces ours.
            optional = {
                "capacity": ref.capacity,
                "class_end_date": ref.class_end_date,
                "session_end_date": ref.session_end_date,
            }
            sent = tuple(name for name, value in optional.items() if value is not NOT_SENT)
            row = await self._upsert(
                ClassOffering,
                {
                    "external_id": ref.external_id,
                    "location_id": location_id,
                    "name": ref.name,
                    **{n: None if v is NOT_SENT else v for n, v in optional.items()},
                },
                (ClassOffering.id,),
                replace=("location_id", "name", *sent),
            )
            self._ids[key] = ResolvedClass(int(row.id), location_id, ref.name)
        resolved: ResolvedClass = self._ids[key]
        return resolved

    def _enrollment_values(
        self, ref: EnrollmentRef, student_id: int, class_id: int
    ) -> dict[str, Any]:
        return {
            "external_id": ref.external_id,
            "student_id": student_id,
            "class_id": class_id,
            "type": None if ref.type is None else ref.type.value,
            "start_date": ref.start_date,
            "drop_date": ref.drop_date,
        }

    async def enrollment(self, ref: EnrollmentRef, family_id: int) -> ResolvedEnrollment:
        """An existing enrollment the event is about (ACTIVE when first seen).

        Its status and a drop date we set on approval are never overwritten;
        the portal's drop date and type are taken when it sends them, and a
        type left out keeps ours ("a Drop request ... for a TRIAL type
        enrollment" stays one whether or not the drop repeats the type).
        """
        student_id = await self.student(ref.student, family_id)
        offering = await self.offering(ref.offering)
        row = await self._upsert(
            Enrollment,
            {
                **self._enrollment_values(ref, student_id, offering.id),
                "status": EnrollmentStatus.ACTIVE,
            },
            (Enrollment.id, Enrollment.status, Enrollment.type, Enrollment.drop_date),
            replace=("student_id", "class_id"),
            fill=("type", "start_date", "drop_date"),
        )
        return ResolvedEnrollment(
            id=int(row.id),
            student_id=student_id,
            student_name=ref.student.full_name,
            offering=offering,
            type=None if row.type is None else str(row.type),
            status=EnrollmentStatus(row.status),
            drop_date=row.drop_date,
        )

    async def new_enrollment(
        self,
        ref: EnrollmentRef,
        family_id: int,
        *,
        status: EnrollmentStatus,
        punch_pass: bool,
        field: tuple[str, ...],
    ) -> ResolvedEnrollment:
        """The enrollment an enrollment event creates (refused if seen before)."""
        student_id = await self.student(ref.student, family_id)
        offering = await self.offering(ref.offering)
        enrollment_id = await self.create_once(
            Enrollment,
            {
                **self._enrollment_values(ref, student_id, offering.id),
                "status": status,
                "punch_pass": punch_pass,
            },
            field=field,
        )
        return ResolvedEnrollment(
            id=enrollment_id,
            student_id=student_id,
            student_name=ref.student.full_name,
            offering=offering,
            type=None if ref.type is None else ref.type.value,
            status=status,
            drop_date=ref.drop_date,
        )

    async def booking(
        self,
        ref: BookingRef,
        family_id: int,
        *,
        status: AppointmentStatus | None,
        status_if_new: AppointmentStatus,
        rescheduled_from_id: int | None = None,
    ) -> ResolvedBooking:
        """An appointment booking; ``status`` None keeps the stored one, and
        so does a location or student the event leaves out."""
        location_id = None if ref.location is None else await self.location(ref.location)
        student_id = None if ref.student is None else await self.student(ref.student, family_id)
        starts_at: datetime = ref.starts_at
        replace = ["family_id", "title", "starts_at"]
        if status is not None:
            replace.append("status")
        if rescheduled_from_id is not None:
            replace.append("rescheduled_from_id")
        row = await self._upsert(
            AppointmentBooking,
            {
                "external_id": ref.external_id,
                "location_id": location_id,
                "family_id": family_id,
                "student_id": student_id,
                "title": ref.title,
                "starts_at": starts_at,
                "status": status or status_if_new,
                "rescheduled_from_id": rescheduled_from_id,
                "notes": "",
            },
            (AppointmentBooking.id, AppointmentBooking.location_id, AppointmentBooking.student_id),
            replace=tuple(replace),
            fill=("location_id", "student_id"),
        )
        student_name = None if ref.student is None else ref.student.full_name
        if student_name is None and row.student_id is not None:
            known = await self.session.get(Student, row.student_id)
            student_name = None if known is None else known.full_name
        return ResolvedBooking(
            id=int(row.id),
            location_id=row.location_id,
            student_id=row.student_id,
            student_name=student_name,
        )

    async def product(self, ref: ProductRef) -> int:
        key = ("product", ref.external_id)
        if key not in self._ids:
            row = await self._upsert(
                Product,
                {
                    "external_id": ref.external_id,
                    "name": ref.name,
                    "stock_on_hand": 0,
                    "stock_held": 0,
                },
                (Product.id,),
                replace=("name",),
            )
            self._ids[key] = int(row.id)
        return int(self._ids[key])
