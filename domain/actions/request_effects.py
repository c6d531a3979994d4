"""The built-in requests' effects on their records, named for the kinds to
use (``Kind.approval`` / ``Kind.denial``, ``domain.actions.effects``)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.actions.approve import (
    approve_absences,
    approve_appointments,
    approve_enrollments,
    lock_enrollments,
)
from domain.actions.deny import deny_absences, deny_booking, deny_enrollment
from domain.actions.drops import approve_drops
from domain.actions.effects import ApprovalEffect, ApprovalRun, DenialEffect
from domain.actions.entries import load_entries
from domain.actions.facts import EntryFacts
from domain.actions.outcome import Refusal
from domain.actions.transfer import TransferChoices, approve_transfer


async def _activate_enrollments(run: ApprovalRun, rows: Sequence[EntryFacts]) -> dict[int, Refusal]:
    return await approve_enrollments(run.session, rows, run.options, run.seats)


async def _apply_drops(run: ApprovalRun, rows: Sequence[EntryFacts]) -> dict[int, Refusal]:
    """Drops read their details and the organisation's criteria
    (``approve_drops``); the criteria staff accepted go to the audit record."""
    loaded = await load_entries(run.session, [r.id for r in rows])
    drops = [loaded[r.id] for r in rows]
    enrollments = await lock_enrollments(run.session, [r.enrollment_id for r in drops])
    dropped = approve_drops(
        await run.settings(), drops, enrollments, run.options.accept_criteria, now=run.now
    )
    await run.session.flush()
    run.approvals.accepted |= dropped.accepted
    return dropped.refusals


async def _apply_transfers(run: ApprovalRun, rows: Sequence[EntryFacts]) -> dict[int, Refusal]:
    """Each transfer on its own, with staff's choices (``approve_transfer``)."""
    loaded = await load_entries(run.session, [r.id for r in rows])
    today = (await run.settings()).today(run.now)
    choices = TransferChoices(
        previous_class_drop_date=run.options.previous_class_drop_date,
        enrollment_type=run.options.enrollment_type,
        overbook=run.options.overbook,
    )
    refusals: dict[int, Refusal] = {}
    for facts in rows:
        refusal = await approve_transfer(
            run.session, loaded[facts.id], choices, run.seats, today=today
        )
        if refusal is not None:
            refusals[facts.id] = refusal
    return refusals


async def _approve_absences(run: ApprovalRun, rows: Sequence[EntryFacts]) -> dict[int, Refusal]:
    return await approve_absences(run.session, rows, run.records)


async def _book_appointments(run: ApprovalRun, rows: Sequence[EntryFacts]) -> dict[int, Refusal]:
    return await approve_appointments(
        run.session, run.journal, run.viewer.organisation_id, rows, run.now, run.records
    )


ACTIVATE_ENROLLMENT = ApprovalEffect(_activate_enrollments)
APPLY_DROP = ApprovalEffect(_apply_drops)
APPLY_TRANSFER = ApprovalEffect(_apply_transfers)
APPROVE_ABSENCES = ApprovalEffect(_approve_absences)
# Bookings and reschedules together: an original booking's entry approved
# in the same action is approved, not superseded.
BOOK_APPOINTMENT = ApprovalEffect(_book_appointments)

DELETE_ENROLLMENT = DenialEffect(deny_enrollment, forgets_entry=True)
DENY_ABSENCES = DenialEffect(deny_absences)
DENY_BOOKING = DenialEffect(deny_booking)
