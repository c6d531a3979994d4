"""The demo's cast (families, classes, products) and the builder that
creates them and the records behind each window entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.calendar import SchoolCalendar
from domain.kinds import registry
from domain.recording import NewEntry
from domain.vocabulary import ActivityType
from models import (
    Absence,
    AppointmentBooking,
    Charge,
    ClassOffering,
    Enrollment,
    Family,
    GiftCard,
    OnlineOrder,
    OnlineOrderItem,
    PartyBooking,
    Payment,
    Product,
    Student,
)
from models.statuses import AbsenceStatus, AppointmentStatus, EnrollmentStatus

# (family name, students, opted in to email blasts)
FAMILIES: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "adeyemi": ("Adeyemi", ("Tobi",), True),
    "brown": ("Brown", ("Olivia",), True),
    "garcia": ("Garcia", ("Sofia",), True),
    "haddad": ("Haddad", ("Yasmin",), True),
    "johansson": ("Johansson", ("Elsa", "Nils"), True),
    "kowalski": ("Kowalski", ("Jan",), True),
    "lee": ("Lee", ("Ann", "Ben"), True),
    "murphy": ("Murphy", ("Liam", "Aoife"), True),
    "nguyen": ("Nguyen", ("Minh", "Linh"), True),
    "rossi": ("Rossi", ("Marco",), False),
    "silva": ("Silva", ("Pedro",), True),
    "tanaka": ("Tanaka", ("Hana",), True),
}
# (location, name, capacity)
CLASSES: dict[str, tuple[str, str, int]] = {
    "tadpoles": ("pool", "Tadpoles (Mon 4:00pm)", 8),
    "dolphins": ("pool", "Dolphins Level 2 (Wed 5:00pm)", 6),
    "tumbling": ("gym", "Tumbling Tots (Sat 9:00am)", 10),
    "junior-gym": ("gym", "Junior Gymnastics (Tue 6:00pm)", 12),
    "ballet": ("studio", "Ballet I (Thu 4:30pm)", 12),
    "hiphop": ("studio", "Hip Hop Teens (Fri 6:00pm)", 15),
}
# (name, price, stock on hand)
PRODUCTS: dict[str, tuple[str, str, int]] = {
    "leotard": ("Club leotard", "39.00", 12),
    "grips": ("Grip tape (roll)", "6.50", 40),
    "ballet-shoes": ("Ballet shoes", "28.00", 9),
    "bottle": ("Water bottle", "12.00", 30),
    "swim-cap": ("Silicone swim cap", "9.50", 25),
    "goggles": ("Junior goggles", "16.00", 14),
}


@dataclass
class DemoBuilder:
    """Creates the demo's records; ``play`` (demo_script) calls its methods."""

    session: AsyncSession
    organisation_id: int
    now: datetime
    locations: dict[str, int]
    # The school's calendar: the demo's dates are its local dates.
    calendar: SchoolCalendar = field(default_factory=SchoolCalendar)
    families: dict[str, Family] = field(default_factory=dict)
    students: dict[str, Student] = field(default_factory=dict)
    classes: dict[str, ClassOffering] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    entries: list[NewEntry] = field(default_factory=list)
    _serial: int = 0

    def external_id(self, kind: str) -> str:
        self._serial += 1
        return f"demo-{kind}-{self._serial}"

    def at(self, days_ago: int) -> datetime:
        """A moment ``days_ago`` days back, at a plausible varying hour."""
        self._serial += 1
        return self.now - timedelta(
            days=days_ago, hours=(self._serial * 5) % 9, minutes=(self._serial * 17) % 60
        )

    def day(self, moment: datetime, offset: int) -> date:
        return self.calendar.local_date(moment) + timedelta(days=offset)

    async def add(self, row: Any) -> Any:
        self.session.add(row)
        await self.session.flush()
        return row

    async def setup(self) -> None:
        org = self.organisation_id
        for key, (name, first_names, opted_in) in FAMILIES.items():
            family = await self.add(
                Family(
                    organisation_id=org,
                    external_id=f"demo-family-{key}",
                    name=name,
                    email=f"{key}@families.example",
                    email_opt_in=opted_in,
                    suspended=False,
                    notes="",
                )
            )
            self.families[key] = family
            for first in first_names:
                self.students[f"{key}/{first.lower()}"] = await self.add(
                    Student(
                        organisation_id=org,
                        family_id=family.id,
                        external_id=f"demo-student-{key}-{first.lower()}",
                        first_name=first,
                        last_name=name,
                    )
                )
        for key, (location, name, capacity) in CLASSES.items():
            self.classes[key] = await self.add(
                ClassOffering(
                    organisation_id=org,
                    location_id=self.locations[location],
                    external_id=f"demo-class-{key}",
                    name=name,
                    capacity=capacity,
                    session_end_date=self.calendar.today(self.now) + timedelta(days=120),
                )
            )
        for key, (name, _price, stock) in PRODUCTS.items():
            self.products[key] = await self.add(
                Product(
                    organisation_id=org,
                    external_id=f"demo-product-{key}",
                    name=name,
                    stock_on_hand=stock,
                    stock_held=0,
                )
            )

    def entry(
        self,
        activity_type: str,
        occurred_at: datetime,
        family: str,
        student: str | None = None,
        *,
        location: int | None = None,
        notes: str | None = None,
        auto_approved: bool | None = None,
        links: Mapping[str, int] | None = None,
        **details: Any,
    ) -> None:
        """One window entry with the facts the schema and summaries read,
        checked by the kind's details model as ingestion's are."""
        facts: dict[str, Any] = {"family_name": self.families[family].name}
        if student is not None:
            facts["student_name"] = self.students[student].full_name
        if auto_approved is not None:
            facts["auto_approved"] = auto_approved
        facts.update(details)
        kind = registry.kind(activity_type)
        self.entries.append(
            NewEntry(
                type=ActivityType(activity_type),
                status=kind.initial_status(auto_approved=auto_approved),
                occurred_at=occurred_at,
                location_id=location,
                family_id=self.families[family].id,
                student_id=None if student is None else self.students[student].id,
                notes=notes,
                details=kind.dump(facts),
                **dict(links or {}),
            )
        )

    async def enrollment_row(
        self,
        student: str,
        class_key: str,
        *,
        status: EnrollmentStatus = EnrollmentStatus.ACTIVE,
        enrollment_type: str = "STANDARD",
        start: date | None = None,
        drop: date | None = None,
        punch_pass: bool = False,
        transferred_from: int | None = None,
    ) -> Enrollment:
        row: Enrollment = await self.add(
            Enrollment(
                organisation_id=self.organisation_id,
                external_id=self.external_id("enrollment"),
                student_id=self.students[student].id,
                class_id=self.classes[class_key].id,
                type=enrollment_type,
                status=status,
                start_date=start or self.calendar.today(self.now) - timedelta(days=90),
                drop_date=drop,
                punch_pass=punch_pass,
                transferred_from_id=transferred_from,
            )
        )
        return row

    def location_of(self, class_key: str) -> int:
        return self.locations[CLASSES[class_key][0]]

    async def booking(
        self,
        family: str,
        student: str,
        title: str,
        location: str,
        starts_at: datetime,
        status: AppointmentStatus,
    ) -> AppointmentBooking:
        row: AppointmentBooking = await self.add(
            AppointmentBooking(
                organisation_id=self.organisation_id,
                location_id=self.locations[location],
                external_id=self.external_id("booking"),
                family_id=self.families[family].id,
                student_id=self.students[student].id,
                title=title,
                starts_at=starts_at,
                status=status,
            )
        )
        return row

    async def payment_row(
        self, family: str, method: str, charges: list[tuple[str, str, bool]]
    ) -> Payment:
        total = sum((Decimal(amount) for _, amount, _ in charges), Decimal("0"))
        payment: Payment = await self.add(
            Payment(
                organisation_id=self.organisation_id,
                external_id=self.external_id("payment"),
                family_id=self.families[family].id,
                amount=total,
                method=method,
            )
        )
        for description, amount, deleted_schedule in charges:
            self.session.add(
                Charge(
                    payment_id=payment.id,
                    external_id=self.external_id("charge"),
                    description=description,
                    amount=Decimal(amount),
                    discount_schedule_deleted=deleted_schedule,
                )
            )
        return payment

    async def order_row(
        self, family: str, location: str, items: list[tuple[str, int]]
    ) -> tuple[OnlineOrder, list[dict[str, Any]]]:
        lines = [
            {"product_name": PRODUCTS[key][0], "quantity": qty, "unit_price": PRODUCTS[key][1]}
            for key, qty in items
        ]
        total = sum((Decimal(PRODUCTS[key][1]) * qty for key, qty in items), Decimal("0"))
        order: OnlineOrder = await self.add(
            OnlineOrder(
                organisation_id=self.organisation_id,
                location_id=self.locations[location],
                external_id=self.external_id("order"),
                family_id=self.families[family].id,
                total=total,
            )
        )
        for key, qty in items:
            product = self.products[key]
            # "so purchased items can be pulled from available stock": held until reviewed.
            product.stock_held += qty
            self.session.add(
                OnlineOrderItem(
                    order_id=order.id,
                    product_id=product.id,
                    quantity=qty,
                    unit_price=Decimal(PRODUCTS[key][1]),
                )
            )
        return order, lines

    async def gift_card_row(self, family: str, amount: str, recipient: str, email: str) -> None:
        self.session.add(
            GiftCard(
                organisation_id=self.organisation_id,
                external_id=self.external_id("gift-card"),
                family_id=self.families[family].id,
                amount=Decimal(amount),
                recipient_name=recipient,
                recipient_email=email,
            )
        )

    async def party_row(
        self, family: str, location: str, party_at: datetime, guests: int, package: str
    ) -> None:
        self.session.add(
            PartyBooking(
                organisation_id=self.organisation_id,
                location_id=self.locations[location],
                external_id=self.external_id("party"),
                family_id=self.families[family].id,
                party_at=party_at,
                guests=guests,
                package=package,
            )
        )

    async def absence_rows(
        self, student: str, class_keys: tuple[str, ...], absence_date: date, reason: str
    ) -> list[tuple[str, Enrollment, Absence]]:
        external_id = self.external_id("absence")
        rows = []
        for class_key in class_keys:
            enrollment = await self.enrollment_row(student, class_key)
            absence: Absence = await self.add(
                Absence(
                    organisation_id=self.organisation_id,
                    external_id=external_id,
                    enrollment_id=enrollment.id,
                    absence_date=absence_date,
                    reason=reason,
                    status=AbsenceStatus.REQUESTED,
                )
            )
            rows.append((class_key, enrollment, absence))
        return rows
