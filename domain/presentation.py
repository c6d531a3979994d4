"""How an entry reads in the window: its one-line summary, the student's
label, and the actions its viewer may take. Plain functions of the entry's
stored facts, so every client shows the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from domain.kinds import registry
from domain.viewer import Viewer
from domain.vocabulary import (
    ActivityType,
    WindowStatus,
    can_be_dismissed,
    needs_review_before_dismiss,
)


class EntryAction(StrEnum):
    APPROVE = "APPROVE"
    DENY = "DENY"
    DISMISS = "DISMISS"
    REVIEW = "REVIEW"


def student_label(activity_type: ActivityType, details: Mapping[str, Any]) -> str | None:
    """The student as the window names them (the kind's ``student_label``)."""
    kind = registry.kind(activity_type)
    return kind.student_label(kind.read(details))


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


def summary(activity_type: ActivityType, details: Mapping[str, Any]) -> str:
    """The entry's one line in the window (the kind's ``summary``)."""
    kind = registry.kind(activity_type)
    return kind.summary(kind.read(details))


def parse_date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None
