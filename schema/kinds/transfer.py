"""Transfer entries and the portal's transfer input."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.kinds.transfer import TransferDetails, TransferEvent
from domain.rules.enrollment_types import EnrollmentType as DomainEnrollmentType
from domain.rules.transfers import default_previous_class_drop_date
from models import Enrollment as EnrollmentRow
from schema.activity import AUTO_APPROVED, ActivityEntry
from schema.context import Info
from schema.ingestion.references import ClassInput, EnrollmentInput


@strawberry.type
class TransferActivity(ActivityEntry):
    @property
    def d(self) -> TransferDetails:
        return self.facts(TransferDetails)

    @strawberry.field
    def from_class_name(self) -> str | None:
        return self.d.from_class_name

    @strawberry.field
    def to_class_name(self) -> str | None:
        return self.d.to_class_name

    @strawberry.field
    def transfer_date(self) -> date | None:
        return self.d.transfer_date

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return self.d.enrollment_type

    @strawberry.field(
        description="The drop date on the enrollment being transferred, as it is now."
    )
    async def current_drop_date(self, info: Info) -> date | None:
        original = await self._original(info)
        return None if original is None else original.drop_date

    @strawberry.field(
        description='Pre-filled "Drop Date For Previous Class": the day before the transfer '
        "date, unless the original enrollment (as it is now) already has an earlier drop "
        "date, which is then kept. Approving without `previousClassDropDate` uses this date. "
        "Null when the enrollment is gone."
    )
    async def suggested_previous_class_drop_date(self, info: Info) -> date | None:
        transfer_date = self.d.transfer_date
        original = await self._original(info)
        if transfer_date is None or original is None:
            return None
        return default_previous_class_drop_date(
            transfer_date=transfer_date, original_drop_date=original.drop_date
        )

    @strawberry.field
    def auto_approved(self) -> bool:
        return self.d.auto_approved

    async def _original(self, info: Info) -> EnrollmentRow | None:
        if self.row.enrollment_id is None:
            return None
        return await info.context.loaders.enrollment.load(self.row.enrollment_id)


@strawberry.input(description="A transfer of an enrollment to another class.")
class TransferEventInput:
    from_enrollment: EnrollmentInput
    to_class: ClassInput
    transfer_date: date
    enrollment_type: DomainEnrollmentType | None = strawberry.field(
        default=None, description="Type asked for the new enrollment; null keeps the current one."
    )
    auto_approved: bool = strawberry.field(default=False, description=AUTO_APPROVED)

    def to_domain(self) -> TransferEvent:
        return TransferEvent(
            from_enrollment=self.from_enrollment.to_domain(),
            to_class=self.to_class.to_domain(),
            transfer_date=self.transfer_date,
            enrollment_type=(
                None if self.enrollment_type is None else DomainEnrollmentType(self.enrollment_type)
            ),
            auto_approved=self.auto_approved,
        )


OBJECT = TransferActivity
INPUT = TransferEventInput
