"""Dismissing notifications: the (x) action.

"Actions that do not require approval will have an (x) Action for dismissal.
You can also mass dismiss these actions". "Items without an (x) Action icon
MUST be approved or denied. To prevent human error, they cannot be
dismissed." "Mass dismissing filtered items will NOT dismiss any items that
require action (e.g. those with a 'Pending' status)." "'Online Order' entries
cannot simply be dismissed. Staff members will need to click the 'magnifying
glass' icon to review the order and dismiss the entry from there."
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.closing import close_entries
from domain.actions.outcome import ActionReport, Code, ItemResult, Outcome, Refusal, refused
from domain.actions.selection import Selection, common_refusal, resolve
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from domain.vocabulary import (
    ActivityType,
    Resolution,
    WindowStatus,
    can_be_dismissed,
    needs_review_before_dismiss,
)
from models import ActivityEntry


def dismiss_refusal(row: ActivityEntry) -> Refusal | None:
    """Why an open entry cannot be dismissed, if it cannot."""
    if not can_be_dismissed(WindowStatus(row.status)):
        return Refusal(
            Code.MUST_APPROVE_OR_DENY,
            "this request has no (x) action: it must be approved or denied",
        )
    if needs_review_before_dismiss(ActivityType(row.type)) and row.reviewed_at is None:
        return Refusal(
            Code.REVIEW_REQUIRED,
            "review the online order (magnifying glass) before dismissing it",
        )
    return None


async def dismiss_activities(
    session: AsyncSession,
    viewer: Viewer,
    chosen: Selection,
    *,
    now: datetime,
    lock: LockClaim,
) -> ActionReport:
    """Dismiss the selected notifications; checked requests FAIL and stay,
    requests swept in by a filter are SKIPPED and stay."""
    chosen.validate()
    await domain_lock_check(session, viewer, lock)
    targets = await resolve(session, viewer, chosen, now)
    results: list[ItemResult | None] = [None] * len(targets)
    dismissable: list[tuple[int, ActivityEntry]] = []
    for index, target in enumerate(targets):
        refusal = common_refusal(target, viewer)
        if refusal is None and target.row is not None:
            refusal = dismiss_refusal(target.row)
        if refusal is not None or target.row is None:
            assert refusal is not None
            results[index] = refused(target.ref, target.row, refusal, explicit=target.explicit)
        else:
            dismissable.append((index, target.row))
    changes = await close_entries(
        session, [row for _, row in dismissable], Resolution.DISMISSED, viewer=viewer, now=now
    )
    for index, row in dismissable:
        results[index] = ItemResult(targets[index].ref, Outcome.DISMISSED, row)
    return ActionReport(results=[r for r in results if r is not None], changes=changes)
