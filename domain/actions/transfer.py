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
from typing import TYPE_CHECKING, cast

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.outcome import Code, Refusal
from domain.actions.seats import SeatBook, enrollment_type
from domain.kinds import registry
from domain.rules.capacity import CapacityRuleError, check_capacity, seats_needed
from domain.rules.enrollment_types import EnrollmentType
from domain.rules.transfers import TransferErrorCode, TransferRuleError, plan_transfer
from models import ActivityEntry, ClassOffering, Enrollment
from models.statuses import EnrollmentStatus

if TYPE_CHECKING:
    # Only a type: the transfer kind's module imports this one.
    from domain.kinds.transfer import TransferDetails


@dataclass(frozen=True)
class TransferChoices:
    """What staff may set while reviewing one transfer."""

    previous_class_drop_date: date | None = None
    enrollment_type: EnrollmentType | None = None
    overbook: bool = False


def transfer_details(row: ActivityEntry) -> TransferDetails:
    """The transfer request's details, read by its kind (validated, typed)."""
    return cast("TransferDetails", registry.kind(row.type).read(row.details))


async def _target_class(
    session: AsyncSession, row: ActivityEntry, details: TransferDetails
) -> ClassOffering | None:
    """The class the request names: our id (as ingestion records it) or the
    class's external id."""
    if details.to_class_id is not None:
        named = ClassOffering.id == details.to_class_id
    elif details.to_class_external_id is not None:
        named = ClassOffering.external_id == details.to_class_external_id
    else:
        return None
    found: ClassOffering | None = await session.scalar(
        select(ClassOffering).where(ClassOffering.organisation_id == row.organisation_id, named)
    )
    return found


def _requested_type(details: TransferDetails) -> EnrollmentType | None:
    """The type the family asked for (ingestion records the current one when none)."""
    value = details.enrollment_type
    if value is not None and value in EnrollmentType.__members__:
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
    details = transfer_details(row)
    transfer_date = details.transfer_date
    target = await _target_class(session, row, details)
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
        requested_type=_requested_type(details),
        chosen_type=choices.enrollment_type,
        new_external_id=details.new_enrollment_external_id or None,
        overbook=choices.overbook,
        previous_class_drop_date=choices.previous_class_drop_date,
        seats=seats,
        today=today,
    )


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
                    status=EnrollmentStatus.ACTIVE,
                    start_date=transfer_date,
                    drop_date=plan.new_drop_date,
                    transferred_from_id=original.id,
                    punch_pass=False,
                )
            )
            original.drop_date = plan.previous_class_drop_date
            if plan.previous_class_drop_date <= today:
                original.status = EnrollmentStatus.TRANSFERRED
            await session.flush()
    except IntegrityError:
        return Refusal(
            TransferErrorCode.TRANSFER_ALREADY_EXISTS,
            "A transfer already exists from this enrollment.",
        )
    seats.take(target.id, plan.new_enrollment_type)
    return None
