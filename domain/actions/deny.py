"""Denying one request. "There is not a mass Deny button."

"Denying an enrollment request deletes the request from Online Activity, and
also deletes the enrollment from the database, along with any enrollment
notes that were included." Deleted means gone from every read: the entry
row is deleted with the enrollment and its notes, the notes are taken out of
the portal event that sent them, and the audit record of the denial keeps
the decision (who, when, why, what was requested), not the notes. The change
record keeps the entry's id, so live clients replaying it hear of the
removal (with no entry to show). Other denials resolve the entry DENIED.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.approve import absence_ids, not_pending
from domain.actions.closing import close_entries
from domain.actions.effects import apply_denial, forgets_entry
from domain.actions.outcome import ActionReport, Code, ItemResult, Outcome, Refusal, failed
from domain.actions.records import Decision, hold_records
from domain.actions.selection import EntryRef, Selection, common_refusal, resolve
from domain.errors import ErrorCode, InvalidRequest
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from domain.vocabulary import Resolution
from models import (
    Absence,
    ActivityEntry,
    AppointmentBooking,
    AuditRecord,
    Enrollment,
    EnrollmentNote,
    PortalEvent,
)
from models.statuses import AbsenceStatus, AppointmentStatus, EnrollmentStatus

MAX_REASON_LENGTH = 2000


class DenyErrorCode(ErrorCode):
    """Denying's own area: a refused reason."""

    REASON_TOO_LONG = "REASON_TOO_LONG", "The denial reason is too long."


async def deny_enrollment(
    session: AsyncSession, row: ActivityEntry
) -> tuple[Refusal | None, dict[str, Any]]:
    """Delete the requested enrollment and its notes; returns what the audit
    record keeps of them (never the notes themselves)."""
    kept: dict[str, Any] = {"notes": None}
    if row.enrollment_id is None:
        return None, kept
    enrollment = await session.scalar(
        select(Enrollment).where(Enrollment.id == row.enrollment_id).with_for_update()
    )
    if enrollment is None:
        return None, kept
    if enrollment.status is not EnrollmentStatus.REQUESTED:
        return Refusal(
            Code.RECORD_CHANGED,
            f"the enrollment is {enrollment.status.lower()}; only a requested one is deleted",
        ), {}
    notes = list(
        await session.scalars(
            select(EnrollmentNote.text)
            .where(EnrollmentNote.enrollment_id == enrollment.id)
            .order_by(EnrollmentNote.id)
        )
    )
    deleted = {
        **kept,
        "deleted_enrollment": {
            "external_id": enrollment.external_id,
            "class_id": enrollment.class_id,
            "student_id": enrollment.student_id,
            "type": enrollment.type,
            "start_date": enrollment.start_date.isoformat() if enrollment.start_date else None,
            "notes_deleted": len(notes),
        },
    }
    await session.execute(
        delete(EnrollmentNote).where(EnrollmentNote.enrollment_id == enrollment.id)
    )
    await session.execute(
        delete(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(enrollment)
    return None, deleted


async def deny_absences(
    session: AsyncSession, row: ActivityEntry
) -> tuple[Refusal | None, dict[str, Any]]:
    """The entry's absences become DENIED."""
    if absence_ids(row):
        await session.execute(
            update(Absence)
            .where(Absence.id.in_(absence_ids(row)), Absence.organisation_id == row.organisation_id)
            .values(status=AbsenceStatus.DENIED)
            .execution_options(synchronize_session=False)
        )
    return None, {}


async def deny_booking(
    session: AsyncSession, row: ActivityEntry
) -> tuple[Refusal | None, dict[str, Any]]:
    """The requested appointment booking becomes DENIED."""
    if row.appointment_id is not None:
        await session.execute(
            update(AppointmentBooking)
            .where(AppointmentBooking.id == row.appointment_id)
            .values(status=AppointmentStatus.DENIED)
            .execution_options(synchronize_session=False)
        )
    return None, {}


async def deny_activity(
    session: AsyncSession,
    viewer: Viewer,
    ref: EntryRef,
    *,
    expected_version: int | None,
    reason: str | None,
    now: datetime,
    lock: LockClaim,
) -> ActionReport:
    """Deny one pending request, with an optional reason kept in the audit log."""
    cleaned = (reason or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidRequest.one(
            DenyErrorCode.REASON_TOO_LONG,
            f"at most {MAX_REASON_LENGTH} characters",
            "input",
            "reason",
        )
    chosen = Selection(refs=(ref,))
    chosen.validate()
    await domain_lock_check(session, viewer, lock)
    [target] = await resolve(session, viewer, chosen, now)
    refusal = common_refusal(target, viewer, expected_version=expected_version)
    if refusal is None and target.row is not None:
        refusal = not_pending(target.row)
    if refusal is not None or target.row is None:
        assert refusal is not None
        return ActionReport(results=[failed(target.ref, target.row, refusal)])
    row = target.row
    # The record as it is now (locked: domain.lock_order): a denial never
    # writes over what happened to it since the request.
    refusal = (await hold_records(session, [row], Decision.DENY)).get(row.id)
    if refusal is not None:
        return ActionReport(results=[failed(target.ref, row, refusal)])
    refusal, deleted = await apply_denial(session, row)
    if refusal is not None:
        return ActionReport(results=[failed(target.ref, row, refusal)])
    changes = await close_entries(
        session,
        [row],
        Resolution.DENIED,
        viewer=viewer,
        now=now,
        reason=cleaned,
        audit_extra={row.id: deleted} if deleted else None,
    )
    if forgets_entry(row):
        await _forget_request(session, row)
        return ActionReport(results=[ItemResult(target.ref, Outcome.DENIED, None)], changes=changes)
    return ActionReport(results=[ItemResult(target.ref, Outcome.DENIED, row)], changes=changes)


async def _forget_request(session: AsyncSession, row: ActivityEntry) -> None:
    """The denied enrollment request leaves no read: its entry row goes, the
    notes leave the audit records taken of the entry before (a suspension
    from it) and the portal event that sent them (the event's hash stays, so
    a retry is still known as one and records nothing)."""
    earlier = await session.execute(
        select(AuditRecord.id, AuditRecord.snapshot).where(
            AuditRecord.organisation_id == row.organisation_id, AuditRecord.entry_id == row.id
        )
    )
    for record_id, snapshot in earlier:
        if isinstance(snapshot, dict) and snapshot.get("notes") is not None:
            await session.execute(
                update(AuditRecord)
                .where(AuditRecord.id == record_id)
                .values(snapshot={**snapshot, "notes": None})
            )
    await session.execute(
        delete(ActivityEntry)
        .where(ActivityEntry.id == row.id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(row)
    if row.portal_event_id is None:
        return
    payload = await session.scalar(
        select(PortalEvent.payload).where(PortalEvent.id == row.portal_event_id)
    )
    if isinstance(payload, dict) and payload.get("notes") is not None:
        await session.execute(
            update(PortalEvent)
            .where(PortalEvent.id == row.portal_event_id)
            .values(payload={**payload, "notes": None})
        )
