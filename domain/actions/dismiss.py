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

from domain.actions.closing import close_listed
from domain.actions.entries import with_entries_loaded
from domain.actions.outcome import ActionReport, Code, Entry, ItemResult, Outcome, Refusal
from domain.actions.selection import Selection, resolve_facts, sort_out
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from domain.vocabulary import (
    ActivityType,
    Resolution,
    WindowStatus,
    can_be_dismissed,
    needs_review_before_dismiss,
)


def dismiss_refusal(row: Entry) -> Refusal | None:
    """Why an open entry cannot be dismissed, if it cannot (reads its type,
    status and review only)."""
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
    with_entries: bool = True,
) -> ActionReport:
    """Dismiss the selected notifications; checked requests FAIL and stay,
    requests swept in by a filter are SKIPPED and stay. Set-based: the
    entries are read as facts, and loaded only ``with_entries`` (to show
    them in the results)."""
    chosen.validate()
    await domain_lock_check(session, viewer, lock)
    picked = await resolve_facts(session, viewer, chosen, now)
    results, indices, dismissable = sort_out(picked, viewer, dismiss_refusal)
    changes = await close_listed(session, dismissable, Resolution.DISMISSED, viewer=viewer, now=now)
    for index, row in zip(indices, dismissable, strict=True):
        results[index] = ItemResult(picked.ref(index), Outcome.DISMISSED, row)
    report = ActionReport(results=[r for r in results if r is not None], changes=changes)
    if with_entries:
        await with_entries_loaded(session, report)
    return report
