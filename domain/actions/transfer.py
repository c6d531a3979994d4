"""Applying a transfer: the new enrollment and the original's drop.

Staff approval of a request and ingestion of a portal auto-approval both go
through ``apply_transfer``. The dates and type come from
``domain.rules.transfers.plan_transfer``; this writes them. "iClassPro does
not allow multiple transfers from a single enrollment": besides the rule's
check, the unique ``transferred_from_id`` refuses a concurrent second
transfer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.outcome import Code, Refusal
from domain.actions.seats import SeatBook, enrollment_type
from domain.presentation import parse_date
from domain.rules.capacity import CapacityRuleError, check_capacity, seats_needed
from domain.rules.enrollment_types import EnrollmentType
from domain.rules.transfers import TransferErrorCode, TransferRuleError, plan_transfer
from models import ActivityEntry, ClassOffering, Enrollment

# Entry details naming the target class: our id (as ingestion records it) or
# the class's external id; and, optionally, the new enrollment's external id.
TARGET_CLASS_KEY = "to_class_id"
TARGET_CLASS_EXTERNAL_KEY = "to_class_external_id"
NEW_ENROLLMENT_KEY = "new_enrollment_external_id"
# The type the family asked for (ingestion records the current one when none).
REQUESTED_TYPE_KEY = "enrollment_type"


@dataclass(frozen=True)
class TransferChoices:
    """What staff may set while reviewing one transfer."""

    previous_class_drop_date: date | None = None
    enrollment_type: EnrollmentType | None = None
    overbook: bool = False


async def _target_class(session: AsyncSession, row: ActivityEntry) -> ClassOffering | None:
    class_id = row.details.get(TARGET_CLASS_KEY)
    external_id = row.details.get(TARGET_CLASS_EXTERNAL_KEY)
    if isinstance(class_id, int):
        named = ClassOffering.id == class_id
    elif external_id is not None:
        named = ClassOffering.external_id == str(external_id)
    else:
        return None
    found: ClassOffering | None = await session.scalar(
        select(ClassOffering).where(ClassOffering.organisation_id == row.organisation_id, named)
    )
    return found


def _requested_type(row: ActivityEntry) -> EnrollmentType | None:
    value = row.details.get(REQUESTED_TYPE_KEY)
    if isinstance(value, str) and value in EnrollmentType.__members__:
        return EnrollmentType(value)
    return None


async def approve_transfer(
    session: AsyncSession,
    row: ActivityEntry,
    choices: TransferChoices,
    seats: SeatBook,
    *,
    today: date,
) -> Refusal | None:
    """Approve a transfer request entry: ``apply_transfer`` to the enrollment
    and the target class it names, ``today`` being the organisation's."""
    original = None
    if row.enrollment_id is not None:
        original = await session.scalar(
            select(Enrollment).where(Enrollment.id == row.enrollment_id).with_for_update()
        )
    transfer_date = parse_date(row.details.get("transfer_date"))
    target = await _target_class(session, row)
    if original is None or target is None:
        return Refusal(
            Code.RECORD_NOT_FOUND, "the enrollment or the class to transfer into is gone"
        )
    if transfer_date is None:
        return Refusal(Code.INVALID_REQUEST, "the transfer request names no transfer date")
    return await apply_transfer(
        session,
        original=original,
        target=target,
        transfer_date=transfer_date,
        requested_type=_requested_type(row),
        chosen_type=choices.enrollment_type,
        new_external_id=_new_external_id(row),
        overbook=choices.overbook,
        previous_class_drop_date=choices.previous_class_drop_date,
        seats=seats,
        today=today,
    )


def _new_external_id(row: ActivityEntry) -> str | None:
    value = row.details.get(NEW_ENROLLMENT_KEY)
    return None if not value else str(value)


async def apply_transfer(
    session: AsyncSession,
    *,
    original: Enrollment,
    target: ClassOffering,
    transfer_date: date,
    requested_type: EnrollmentType | None,
    new_external_id: str | None,
    overbook: bool,
    previous_class_drop_date: date | None,
    seats: SeatBook,
    today: date,
    chosen_type: EnrollmentType | None = None,
) -> Refusal | None:
    """Transfer ``original`` (locked by the caller) into ``target``: the one
    place a transfer is written, whether staff approve a request or the
    portal auto-approved it ("Transfers - Enrollment Transfer requests and
    auto-approvals").

    The new enrollment starts on the transfer date with the drop date
    ``plan_transfer`` carries over (clamped to the class's end) and
    ``transferred_from_id`` set; the original gets the "Drop Date For
    Previous Class" (the chosen one, else the default). The original stays
    ACTIVE until that date, and is TRANSFERRED once it is ``today`` (the
    organisation's local date) or past. ``requested_type`` is the type the
    family asked for, ``chosen_type`` staff's choice. Returns the refusal
    (nothing written) when a rule refuses.
    """
    already = bool(
        await session.scalar(select(exists().where(Enrollment.transferred_from_id == original.id)))
    )
    try:
        plan = plan_transfer(
            transfer_date=transfer_date,
            original_drop_date=original.drop_date,
            new_class_end_date=target.class_end_date,
            new_session_end_date=target.session_end_date,
            today=today,
            previous_class_drop_date_override=previous_class_drop_date,
            original_type=enrollment_type(original.type),
            requested_type=requested_type,
            chosen_type=chosen_type,
            original_already_transferred=already,
            original_start_date=original.start_date,
        )
        await seats.load([target.id])
        check_capacity(
            capacity=seats.capacity(target.id),
            active_count=seats.taken[target.id],
            adding=seats_needed(enrollment_type=plan.new_enrollment_type),
            override=overbook,
        )
    except TransferRuleError as error:
        return Refusal(error.code, error.message, (error.field,))
    except CapacityRuleError as error:
        return Refusal(error.code, f"{target.name}: {error.message}")
    external_id = new_external_id or f"{original.external_id}-transfer"
    try:
        async with session.begin_nested():
            session.add(
                Enrollment(
                    organisation_id=original.organisation_id,
                    external_id=external_id,
                    student_id=original.student_id,
                    class_id=target.id,
                    type=plan.new_enrollment_type.value,
                    status="ACTIVE",
                    start_date=transfer_date,
                    drop_date=plan.new_drop_date,
                    transferred_from_id=original.id,
                    punch_pass=False,
                )
            )
            original.drop_date = plan.previous_class_drop_date
            if plan.previous_class_drop_date <= today:
                original.status = "TRANSFERRED"
            await session.flush()
    except IntegrityError:
        return Refusal(
            TransferErrorCode.TRANSFER_ALREADY_EXISTS,
            "A transfer already exists from this enrollment.",
        )
    seats.take(target.id, plan.new_enrollment_type)
    return None
