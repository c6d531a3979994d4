"""Family and student events: notifications about the account itself.

All are location-independent: "You can use the "No Location" option to limit
results to Location-independent items, such as entries related to Family and
Student policies, or changes to family/student accounts not related to
enrollments."
"""

from __future__ import annotations

from domain.errors import Problem
from domain.ingestion.context import Ingestion
from domain.ingestion.events import (
    AutopayEvent,
    DeletionRequestEvent,
    NewAccountEvent,
    NewStudentEvent,
    OptOutEvent,
    PolicyEvent,
)
from domain.recording import NewEntry
from domain.rules.billing import opt_out_refusal
from domain.vocabulary import ActivityType


async def record_new_account(ing: Ingestion, event: NewAccountEvent) -> list[NewEntry]:
    """ "New Accounts - New family accounts created" (students sent with it
    are recorded too)."""
    for student in event.students:
        await ing.refs.student(student, ing.family_id)
    return [ing.entry(ActivityType.NEW_ACCOUNT, {"email": ing.family.email})]


async def record_new_student(ing: Ingestion, event: NewStudentEvent) -> list[NewEntry]:
    """ "Students - New student accounts added to families"."""
    student_id = await ing.refs.student(event.student, ing.family_id)
    return [
        ing.entry(
            ActivityType.NEW_STUDENT,
            {},
            student_id=student_id,
            student_name=event.student.full_name,
        )
    ]


async def record_policy(ing: Ingestion, event: PolicyEvent) -> list[NewEntry]:
    """ "Policies - Policy acceptances/rejections", for the family or a student."""
    student_id = (
        None if event.student is None else await ing.refs.student(event.student, ing.family_id)
    )
    return [
        ing.entry(
            ActivityType.POLICY,
            {"policy_name": event.policy_name, "accepted": event.accepted},
            student_id=student_id,
            student_name=None if event.student is None else event.student.full_name,
        )
    ]


async def record_autopay(ing: Ingestion, event: AutopayEvent) -> list[NewEntry]:
    """ "Autopay - Saved payment information updates"."""
    return [
        ing.entry(
            ActivityType.AUTOPAY,
            {"card_brand": event.card_brand, "card_last4": event.card_last4},
        )
    ]


async def record_opt_out(ing: Ingestion, event: OptOutEvent) -> list[NewEntry]:
    """ "Opt Out - Family has opted out of recurring billing". While the
    organisation requires a saved payment method (``opt_out_refusal``) the
    opt-out is refused, and recorded as refused: the entry says why, and so
    does the portal's ``notApplied`` (not an error: the event is recorded)."""
    refusal = opt_out_refusal(
        require_saved_payment_method=(await ing.settings()).require_saved_payment_method
    )
    not_applied = None if refusal is None else Problem(refusal.code, refusal.message, ing.path)
    return [
        ing.entry(
            ActivityType.OPT_OUT,
            {"reason": event.reason, "refused": refusal is not None},
            not_applied=not_applied,
        )
    ]


async def record_deletion_request(ing: Ingestion, event: DeletionRequestEvent) -> list[NewEntry]:
    """ "If a customer submits this request, an alert will be displayed in the
    Online Activity. However, it must be noted that this is simply a
    notification and we do not automatically delete any accounts." Nothing
    but the entry is written."""
    return [ing.entry(ActivityType.DELETION_REQUEST, {"reason": event.reason})]
