"""Window entries: one object type per activity type, sharing ``ActivityEntry``.

Per-type fields read the facts recorded with the entry (``details``), so a
page renders from one query; location, family and student come through
DataLoaders, never one query per row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay

from domain import presentation
from domain.actions.records import RecordState
from domain.drop_requests import DropRequest
from domain.recording import not_applied_problem
from domain.rules.transfers import default_previous_class_drop_date
from domain.vocabulary import ActivityType as DomainActivityType
from domain.vocabulary import Resolution as DomainResolution
from domain.vocabulary import WindowStatus as DomainWindowStatus
from models import ActivityEntry as EntryRow
from models import Enrollment as EnrollmentRow
from resolvers.loaders import Loaders
from schema.context import Info
from schema.people import Family, Location, Student
from schema.review import MissedDropCriterion, NotApplied

# The domain's enums are the schema's: registered once, used as annotations.
ActivityType = DomainActivityType
WindowStatus = DomainWindowStatus
Resolution = DomainResolution
EntryAction = presentation.EntryAction
strawberry.enum(ActivityType, name="ActivityType")
strawberry.enum(WindowStatus, name="WindowStatus")
strawberry.enum(Resolution, name="Resolution")
strawberry.enum(EntryAction, name="EntryAction")


def _text(details: dict[str, Any], key: str) -> str | None:
    value = details.get(key)
    return None if value is None else str(value)


def _decimal(details: dict[str, Any], key: str) -> Decimal | None:
    value = details.get(key)
    return None if value is None else Decimal(str(value))


def _datetime(details: dict[str, Any], key: str) -> datetime | None:
    value = details.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@strawberry.interface(description="An entry of the Online Activity window.")
class ActivityEntry(relay.Node):
    entry_id: relay.NodeID[int]
    row: strawberry.Private[EntryRow]

    @strawberry.field
    def type(self) -> ActivityType:
        return DomainActivityType(self.row.type)

    @strawberry.field(description="What the entry asks of staff (or asked, once resolved).")
    def status(self) -> WindowStatus:
        return DomainWindowStatus(self.row.status)

    @strawberry.field(
        description="How the entry left the window (APPROVED, DENIED, DISMISSED, EXPIRED, "
        "SUPERSEDED); null while it waits. Only an action's result shows a resolved entry: "
        "the window, `node` and live events serve waiting entries only."
    )
    def resolution(self) -> Resolution | None:
        return None if self.row.resolution is None else DomainResolution(self.row.resolution)

    @strawberry.field(description="When the family acted in the portal.")
    def occurred_at(self) -> datetime:
        return self.row.occurred_at

    @strawberry.field(description="The organisation's sequence number when it was recorded.")
    def sequence(self) -> int:
        return self.row.sequence

    @strawberry.field(description="Changes with every update; pass it back to act on this state.")
    def version(self) -> int:
        return self.row.version

    @strawberry.field(description="Null for location-independent entries.")
    async def location(self, info: Info) -> Location | None:
        if self.row.location_id is None:
            return None
        row = await info.context.loaders.location.load(self.row.location_id)
        return None if row is None else Location.from_row(row)

    @strawberry.field
    async def family(self, info: Info) -> Family | None:
        if self.row.family_id is None:
            return None
        row = await info.context.loaders.family.load(self.row.family_id)
        return None if row is None else Family.from_row(row)

    @strawberry.field
    async def student(self, info: Info) -> Student | None:
        if self.row.student_id is None:
            return None
        row = await info.context.loaders.student.load(self.row.student_id)
        return None if row is None else Student.from_row(row)

    @strawberry.field(description='The student as the window names them, e.g. "Ann Lee (TRIAL)".')
    def student_label(self) -> str | None:
        return presentation.student_label(DomainActivityType(self.row.type), self.row.details)

    @strawberry.field
    def notes(self) -> str | None:
        return self.row.notes

    @strawberry.field
    def has_notes(self) -> bool:
        return self.row.has_notes

    @strawberry.field
    def summary(self) -> str:
        return presentation.summary(DomainActivityType(self.row.type), self.row.details)

    @strawberry.field(
        description="Set when the portal's event could not be applied as sent (an "
        "auto-approved transfer a rule refuses, an opt-out the organisation does not offer): "
        "why. The entry was recorded all the same."
    )
    def not_applied(self) -> NotApplied | None:
        problem = not_applied_problem(self.row.details)
        if problem is None:
            return None
        return NotApplied.from_problem(
            problem, entry_id=relay.to_base64(type(self).__name__, self.row.id)
        )

    @strawberry.field(
        description="What the viewer may do with this entry now; nothing for the portal. "
        "A request whose record changed since (see `recordChange`) can no longer be "
        "approved: it offers DISMISS."
    )
    async def available_actions(self, info: Info) -> list[EntryAction]:
        viewer = info.context.staff_viewer()
        if viewer is None or self.row.resolution is not None:
            return []
        state = await self._record_state(info)
        return presentation.available_actions(
            viewer,
            activity_type=DomainActivityType(self.row.type),
            status=DomainWindowStatus(self.row.status),
            reviewed=self.row.reviewed_at is not None,
            moot=state is not None and state.moot,
            deniable=state is None or state.deny is None,
        )

    @strawberry.field(
        description="Why this request can no longer be approved as it stands: the record it "
        "was made against changed since (the family canceled the booking; the enrollment was "
        "dropped, transferred or deleted), so approving or denying would write over that. "
        "Null while it can be approved."
    )
    async def record_change(self, info: Info) -> str | None:
        state = await self._record_state(info)
        return state.approve.message if state is not None and state.moot and state.approve else None

    async def _record_state(self, info: Info) -> RecordState | None:
        if not Loaders.has_record(self.row):
            return None
        return await info.context.loaders.record_state.load(self.row)

    @property
    def details(self) -> dict[str, Any]:
        return self.row.details


@strawberry.type
class AbsenceActivity(ActivityEntry):
    @strawberry.field
    def absence_date(self) -> date | None:
        return presentation.parse_date(self.details.get("absence_date"))

    @strawberry.field
    def class_name(self) -> str | None:
        return _text(self.details, "class_name")

    @strawberry.field
    def reason(self) -> str | None:
        return _text(self.details, "reason")


@strawberry.type
class AppointmentActivity(ActivityEntry):
    @strawberry.field
    def title(self) -> str | None:
        return _text(self.details, "title")

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return _datetime(self.details, "starts_at")

    @strawberry.field
    def auto_approved(self) -> bool:
        return bool(self.details.get("auto_approved"))


@strawberry.type
class AppointmentCanceledActivity(ActivityEntry):
    @strawberry.field
    def title(self) -> str | None:
        return _text(self.details, "title")

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return _datetime(self.details, "starts_at")


@strawberry.type
class AppointmentRescheduleActivity(ActivityEntry):
    @strawberry.field
    def title(self) -> str | None:
        return _text(self.details, "title")

    @strawberry.field
    def starts_at(self) -> datetime | None:
        return _datetime(self.details, "starts_at")

    @strawberry.field
    def previous_starts_at(self) -> datetime | None:
        return _datetime(self.details, "previous_starts_at")

    @strawberry.field
    def auto_approved(self) -> bool:
        return bool(self.details.get("auto_approved"))


@strawberry.type
class AutopayActivity(ActivityEntry):
    @strawberry.field
    def card_brand(self) -> str | None:
        return _text(self.details, "card_brand")

    @strawberry.field
    def card_last4(self) -> str | None:
        return _text(self.details, "card_last4")


@strawberry.type
class ChargeLine:
    description: str
    amount: Decimal
    discount_schedule_deleted: bool


@strawberry.type
class PaymentActivity(ActivityEntry):
    @strawberry.field
    def amount(self) -> Decimal | None:
        return _decimal(self.details, "amount")

    @strawberry.field
    def method(self) -> str | None:
        return _text(self.details, "method")

    @strawberry.field
    def charges(self) -> list[ChargeLine]:
        return [
            ChargeLine(
                description=str(c["description"]),
                amount=Decimal(str(c["amount"])),
                discount_schedule_deleted=bool(c.get("discount_schedule_deleted")),
            )
            for c in self.details.get("charges", [])
        ]

    @strawberry.field(
        description="The spec's note when a charge used a since-deleted discount schedule."
    )
    def discount_schedule_note(self) -> str | None:
        deleted = any(c.get("discount_schedule_deleted") for c in self.details.get("charges", []))
        return presentation.DISCOUNT_SCHEDULE_NOTE if deleted else None


@strawberry.type
class GiftCardActivity(ActivityEntry):
    @strawberry.field
    def amount(self) -> Decimal | None:
        return _decimal(self.details, "amount")

    @strawberry.field
    def recipient_name(self) -> str | None:
        return _text(self.details, "recipient_name")

    @strawberry.field
    def recipient_email(self) -> str | None:
        return _text(self.details, "recipient_email")


@strawberry.type
class NewAccountActivity(ActivityEntry):
    @strawberry.field
    def email(self) -> str | None:
        return _text(self.details, "email")


@strawberry.type
class EnrollmentActivity(ActivityEntry):
    @strawberry.field
    def class_name(self) -> str | None:
        return _text(self.details, "class_name")

    @strawberry.field
    def start_date(self) -> date | None:
        return presentation.parse_date(self.details.get("start_date"))

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return _text(self.details, "enrollment_type")

    @strawberry.field(description="Created by redeeming a punch pass.")
    def punch_pass(self) -> bool:
        return bool(self.details.get("punch_pass"))

    @strawberry.field
    def auto_approved(self) -> bool:
        return bool(self.details.get("auto_approved"))


@strawberry.type
class DropActivity(ActivityEntry):
    @strawberry.field
    def class_name(self) -> str | None:
        return _text(self.details, "class_name")

    @strawberry.field
    def drop_date(self) -> date | None:
        return presentation.parse_date(self.details.get("drop_date"))

    @strawberry.field
    def reason(self) -> str | None:
        return _text(self.details, "reason")

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return _text(self.details, "enrollment_type")

    @strawberry.field(description="Days of notice the organisation requires for a drop.")
    async def notice_days(self, info: Info) -> int:
        return (await info.context.loaders.settings()).drop_notice_days

    @strawberry.field(
        description="The day the family asked, on the organisation's calendar (its time "
        "zone): the notice period counts from it."
    )
    async def requested_on(self, info: Info) -> date:
        return (await info.context.loaders.settings()).local_date(self.row.occurred_at)

    @strawberry.field(description="The drop date leaves the required notice from the request.")
    async def meets_notice_period(self, info: Info) -> bool | None:
        request = await self._request(info)
        if request is None:
            return None
        return request.meets_notice_period((await info.context.loaders.settings()).drop_policy)

    @strawberry.field(
        description="The school's criteria (Settings) this request misses: approving it then "
        "needs `acceptCriteria` naming each, and mass approve leaves it for review on its own."
    )
    async def missed_criteria(self, info: Info) -> list[MissedDropCriterion]:
        request = await self._request(info)
        if request is None:
            return []
        policy = (await info.context.loaders.settings()).drop_policy
        return [MissedDropCriterion.from_domain(m) for m in request.missed(policy)]

    async def _request(self, info: Info) -> DropRequest | None:
        settings = await info.context.loaders.settings()
        return DropRequest.of(self.details, self.row.occurred_at, settings.calendar)


@strawberry.type
class TransferActivity(ActivityEntry):
    @strawberry.field
    def from_class_name(self) -> str | None:
        return _text(self.details, "from_class_name")

    @strawberry.field
    def to_class_name(self) -> str | None:
        return _text(self.details, "to_class_name")

    @strawberry.field
    def transfer_date(self) -> date | None:
        return presentation.parse_date(self.details.get("transfer_date"))

    @strawberry.field
    def enrollment_type(self) -> str | None:
        return _text(self.details, "enrollment_type")

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
        transfer_date = presentation.parse_date(self.details.get("transfer_date"))
        original = await self._original(info)
        if transfer_date is None or original is None:
            return None
        return default_previous_class_drop_date(
            transfer_date=transfer_date, original_drop_date=original.drop_date
        )

    @strawberry.field
    def auto_approved(self) -> bool:
        return bool(self.details.get("auto_approved"))

    async def _original(self, info: Info) -> EnrollmentRow | None:
        if self.row.enrollment_id is None:
            return None
        return await info.context.loaders.enrollment.load(self.row.enrollment_id)


@strawberry.type
class PartyActivity(ActivityEntry):
    @strawberry.field
    def party_at(self) -> datetime | None:
        return _datetime(self.details, "party_at")

    @strawberry.field
    def guests(self) -> int | None:
        value = self.details.get("guests")
        return None if value is None else int(value)

    @strawberry.field
    def package(self) -> str | None:
        return _text(self.details, "package")


@strawberry.type
class PolicyActivity(ActivityEntry):
    @strawberry.field
    def policy_name(self) -> str | None:
        return _text(self.details, "policy_name")

    @strawberry.field
    def accepted(self) -> bool:
        return bool(self.details.get("accepted"))


@strawberry.type
class NewStudentActivity(ActivityEntry):
    pass


@strawberry.type
class OrderLine:
    product_name: str
    quantity: int
    unit_price: Decimal


@strawberry.type
class OnlineOrderActivity(ActivityEntry):
    @strawberry.field
    def total(self) -> Decimal | None:
        return _decimal(self.details, "total")

    @strawberry.field
    def items(self) -> list[OrderLine]:
        return [
            OrderLine(
                product_name=str(i["product_name"]),
                quantity=int(i["quantity"]),
                unit_price=Decimal(str(i["unit_price"])),
            )
            for i in self.details.get("items", [])
        ]

    @strawberry.field(description="Staff reviewed the order and pulled its items from stock.")
    def reviewed(self) -> bool:
        return self.row.reviewed_at is not None


@strawberry.type
class OptOutActivity(ActivityEntry):
    pass


@strawberry.type
class DeletionRequestActivity(ActivityEntry):
    @strawberry.field
    def reason(self) -> str | None:
        return _text(self.details, "reason")

    @strawberry.field(description="What the spec advises staff to do with such a request.")
    def advice(self) -> str:
        return presentation.DELETION_REQUEST_ADVICE


OBJECT_FOR_TYPE: dict[DomainActivityType, type[ActivityEntry]] = {
    DomainActivityType.ABSENCE: AbsenceActivity,
    DomainActivityType.APPOINTMENT: AppointmentActivity,
    DomainActivityType.APPOINTMENT_CANCELED: AppointmentCanceledActivity,
    DomainActivityType.APPOINTMENT_RESCHEDULE: AppointmentRescheduleActivity,
    DomainActivityType.AUTOPAY: AutopayActivity,
    DomainActivityType.PAYMENT: PaymentActivity,
    DomainActivityType.GIFT_CARD: GiftCardActivity,
    DomainActivityType.NEW_ACCOUNT: NewAccountActivity,
    DomainActivityType.ENROLLMENT: EnrollmentActivity,
    DomainActivityType.DROP: DropActivity,
    DomainActivityType.TRANSFER: TransferActivity,
    DomainActivityType.PARTY: PartyActivity,
    DomainActivityType.POLICY: PolicyActivity,
    DomainActivityType.NEW_STUDENT: NewStudentActivity,
    DomainActivityType.ONLINE_ORDER: OnlineOrderActivity,
    DomainActivityType.OPT_OUT: OptOutActivity,
    DomainActivityType.DELETION_REQUEST: DeletionRequestActivity,
}
TYPE_FOR_OBJECT_NAME: dict[str, DomainActivityType] = {
    cls.__name__: activity_type for activity_type, cls in OBJECT_FOR_TYPE.items()
}

Activity = Annotated[
    AbsenceActivity
    | AppointmentActivity
    | AppointmentCanceledActivity
    | AppointmentRescheduleActivity
    | AutopayActivity
    | PaymentActivity
    | GiftCardActivity
    | NewAccountActivity
    | EnrollmentActivity
    | DropActivity
    | TransferActivity
    | PartyActivity
    | PolicyActivity
    | NewStudentActivity
    | OnlineOrderActivity
    | OptOutActivity
    | DeletionRequestActivity,
    strawberry.union("Activity", description="An entry of the window, by type."),
]


def entry_object(row: EntryRow) -> Any:
    """The GraphQL object for a stored entry."""
    return OBJECT_FOR_TYPE[DomainActivityType(row.type)](entry_id=row.id, row=row)
