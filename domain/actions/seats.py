"""Seats taken per class while approving, with the class rows locked.

"it is intended that all enrollment requests will be reviewed one at a time
to ensure that approving the request will not overbook a class": the rules in
``domain.rules.capacity`` decide; this keeps their inputs true within one
transaction (class rows ``FOR UPDATE``, so two approvals cannot both take the
last seat).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.rules.capacity import seats_needed
from domain.rules.enrollment_types import EnrollmentType
from models import ClassOffering, Enrollment
from models.statuses import EnrollmentStatus

ACTIVE = EnrollmentStatus.ACTIVE


def enrollment_type(value: str | None) -> EnrollmentType:
    try:
        return EnrollmentType(value or EnrollmentType.STANDARD)
    except ValueError:
        return EnrollmentType.STANDARD


class SeatBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.classes: dict[int, ClassOffering] = {}
        self.taken: dict[int, int] = {}

    async def load(self, class_ids: Iterable[int]) -> None:
        """Lock the classes not yet loaded and count the seats their active
        enrollments take (waitlisted students take none)."""
        wanted = sorted(set(class_ids) - self.classes.keys())
        if not wanted:
            return
        classes = await self._session.scalars(
            select(ClassOffering)
            .where(ClassOffering.id.in_(wanted))
            .order_by(ClassOffering.id)
            .with_for_update()
        )
        for offering in classes:
            self.classes[offering.id] = offering
            self.taken[offering.id] = 0
        counts = await self._session.execute(
            select(Enrollment.class_id, func.count())
            .where(
                Enrollment.class_id.in_(wanted),
                Enrollment.status == ACTIVE,
                # An enrollment whose type the portal has not said (NULL) takes
                # a seat: `type != 'WAITLIST'` alone is NULL, not true, for it.
                or_(Enrollment.type.is_(None), Enrollment.type != EnrollmentType.WAITLIST.value),
            )
            .group_by(Enrollment.class_id)
        )
        for class_id, count in counts:
            self.taken[class_id] = int(count)

    def capacity(self, class_id: int) -> int | None:
        return self.classes[class_id].capacity

    def take(self, class_id: int, kind: EnrollmentType) -> None:
        self.taken[class_id] = self.taken.get(class_id, 0) + seats_needed(enrollment_type=kind)
