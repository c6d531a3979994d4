"""How an entry reads in the window: its one-line summary, the student's
label, and the actions its viewer may take. Plain functions of the entry's
stored facts, so every client shows the same thing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from domain.rules.drops import student_label as drop_student_label
from domain.rules.enrollment_types import EnrollmentType
from domain.viewer import Viewer
from domain.vocabulary import (
    ActivityType,
    WindowStatus,
    can_be_dismissed,
    needs_review_before_dismiss,
)

DISCOUNT_SCHEDULE_NOTE = (
    "One or more charges associated with this payment were calculated using a "
    "discount schedule which has been deleted."
)

DELETION_REQUEST_ADVICE = (
    "This is simply a notification: no account is deleted automatically. Deleting "
    "family/student accounts will also delete enrollment and/or ledger history; to "
    "remove the family's online access we recommend suspending the account instead, "
    "with a note that it was suspended due to an account deletion request and the date."
)


class EntryAction(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"
    DISMISS = "DISMISS"
    REVIEW = "REVIEW"


def student_label(activity_type: ActivityType, details: Mapping[str, Any]) -> str | None:
    """ "If a Drop request is submitted for a TRIAL type enrollment, the phrase
    "(TRIAL)" will appear beside the student name in the Online Activity entry."""
    name = details.get("student_name")
    if not name:
        return None
    enrollment_type = str(details.get("enrollment_type"))
    if activity_type is ActivityType.DROP and enrollment_type in EnrollmentType.__members__:
        return drop_student_label(name=str(name), enrollment_type=EnrollmentType(enrollment_type))
    return str(name)


def available_actions(
    viewer: Viewer,
    *,
    activity_type: ActivityType,
    status: WindowStatus,
    reviewed: bool,
    moot: bool = False,
    deniable: bool = True,
) -> list[EntryAction]:
    """What the viewer may do with an open entry.

    Pending entries are approved or denied ("There is not a mass Deny
    button", but each may be denied on its own); the rest carry the (x)
    dismiss action, except that "Online Order" entries must be reviewed (the
    magnifying glass) before they can be dismissed. A request whose record
    changed since (``moot``: ``domain.actions.records``) can no longer be
    approved: it may be denied if denying writes nothing over the change
    (``deniable``), and dismissed.
    """
    if not viewer.can_act_on(activity_type):
        return []
    if status is WindowStatus.PENDING and moot:
        return [EntryAction.DENY, EntryAction.DISMISS] if deniable else [EntryAction.DISMISS]
    if status is WindowStatus.PENDING:
        return [EntryAction.APPROVE, EntryAction.DENY]
    actions: list[EntryAction] = []
    if needs_review_before_dismiss(activity_type):
        actions.append(EntryAction.REVIEW)
        if not reviewed:
            return actions
    if can_be_dismissed(status):
        actions.append(EntryAction.DISMISS)
    return actions


def _who(details: Mapping[str, Any]) -> str:
    return str(details.get("student_name") or details.get("family_name") or "A family")


def _on(value: object) -> str:
    return f" on {value}" if value else ""


_SUMMARIES: dict[ActivityType, Callable[[Mapping[str, Any]], str]] = {
    ActivityType.ABSENCE: lambda d: (
        f"{_who(d)} will be absent from {d.get('class_name', 'class')}{_on(d.get('absence_date'))}"
    ),
    ActivityType.APPOINTMENT: lambda d: (
        f"{_who(d)} booked {d.get('title', 'an appointment')}{_on(d.get('starts_at'))}"
    ),
    ActivityType.APPOINTMENT_CANCELED: lambda d: (
        f"{_who(d)} canceled {d.get('title', 'an appointment')}{_on(d.get('starts_at'))}"
    ),
    ActivityType.APPOINTMENT_RESCHEDULE: lambda d: (
        f"{_who(d)} moved {d.get('title', 'an appointment')} to {d.get('starts_at')}"
    ),
    ActivityType.AUTOPAY: lambda d: (
        f"{d.get('family_name', 'A family')} updated saved payment information"
    ),
    ActivityType.PAYMENT: lambda d: (
        f"{d.get('family_name', 'A family')} paid {d.get('amount')} online"
    ),
    ActivityType.GIFT_CARD: lambda d: (
        f"{d.get('family_name', 'A family')} bought a {d.get('amount')} gift card"
    ),
    ActivityType.NEW_ACCOUNT: lambda d: f"New family account: {d.get('family_name')}",
    ActivityType.ENROLLMENT: lambda d: (
        f"{_who(d)} enrolled in {d.get('class_name', 'a class')}"
        + (" (punch pass)" if d.get("punch_pass") else "")
    ),
    ActivityType.DROP: lambda d: (
        f"Drop request: {_who(d)} from {d.get('class_name', 'a class')}{_on(d.get('drop_date'))}"
    ),
    ActivityType.TRANSFER: lambda d: (
        f"Transfer: {_who(d)} from {d.get('from_class_name')} to {d.get('to_class_name')}"
        f"{_on(d.get('transfer_date'))}"
    ),
    ActivityType.PARTY: lambda d: (
        f"{d.get('family_name', 'A family')} booked a party{_on(d.get('party_at'))}"
    ),
    ActivityType.POLICY: lambda d: (
        f"{_who(d)} {'accepted' if d.get('accepted') else 'rejected'} {d.get('policy_name')}"
    ),
    ActivityType.NEW_STUDENT: lambda d: (
        f"New student {d.get('student_name')} added to {d.get('family_name')}"
    ),
    ActivityType.ONLINE_ORDER: lambda d: (
        f"{d.get('family_name', 'A family')} ordered {len(d.get('items', []))} item(s) online"
    ),
    ActivityType.OPT_OUT: lambda d: (
        f"{d.get('family_name', 'A family')} asked to opt out of recurring billing "
        "(refused: a saved payment method is required)"
        if d.get("refused")
        else f"{d.get('family_name', 'A family')} opted out of recurring billing"
    ),
    ActivityType.DELETION_REQUEST: lambda d: (
        f"{d.get('family_name', 'A family')} asked for their account to be deleted"
    ),
}


def summary(activity_type: ActivityType, details: Mapping[str, Any]) -> str:
    return _SUMMARIES[activity_type](details)


def parse_date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None
