"""Dismissing notifications: the (x) action.

"Actions that do not require approval will have an (x) Action for dismissal.
You can also mass dismiss these actions". "Items without an (x) Action icon
MUST be approved or denied. To prevent human error, they cannot be
dismissed." "Mass dismissing filtered items will NOT dismiss any items that
require action (e.g. those with a 'Pending' status)." "'Online Order' entries
cannot simply be dismissed. Staff members will need to click the 'magnifying
glass' icon to review the order and dismiss the entry from there."

A request whose record changed since it was made can no longer be approved
(``domain.actions.records``): it no longer requires action, and carries the
(x). It is dismissed only when checked on its own, never swept in by "all".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actions.closing import close_listed
from domain.actions.entries import with_entries_loaded
from domain.actions.facts import EntryFacts
from domain.actions.outcome import ActionReport, Entry, ItemResult, Outcome, Refusal
from domain.actions.records import moot_requests
from domain.actions.selection import Picked, Selection, resolve_facts, sort_out
from domain.errors import ErrorCode
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from domain.vocabulary import (
    ActivityType,
    Resolution,
    WindowStatus,
    can_be_dismissed,
    needs_review_before_dismiss,
)


class DismissErrorCode(ErrorCode):
    """Dismissing's own area: "Mass dismissing filtered items will NOT dismiss
    any items that require action"."""

    MUST_APPROVE_OR_DENY = (
        "MUST_APPROVE_OR_DENY",
        "A request that requires action cannot be dismissed; approve or deny it.",
    )
    REVIEW_REQUIRED = "REVIEW_REQUIRED", "An online order is dismissed only after its review."


def dismiss_refusal(row: Entry) -> Refusal | None:
    """Why an open entry cannot be dismissed, if it cannot (reads its type,
    status and review only)."""
    if not can_be_dismissed(WindowStatus(row.status)):
        return Refusal(
            DismissErrorCode.MUST_APPROVE_OR_DENY,
            "this request has no (x) action: it must be approved or denied",
        )
    if needs_review_before_dismiss(ActivityType(row.type)) and row.reviewed_at is None:
        return Refusal(
            DismissErrorCode.REVIEW_REQUIRED,
            "review the online order (magnifying glass) before dismissing it",
        )
    return None


MOOT = "Dismissed: the record the request was made against changed since (RECORD_CHANGED)."


async def _moot_checked(
    session: AsyncSession, picked: Picked, results: list[ItemResult | None]
) -> dict[int, EntryFacts]:
    """The checked requests (by index) that can no longer be approved: their
    results are cleared, for they are dismissed."""
    if picked.refs is None:
        return {}
    refused = {
        index: row
        for index, row in enumerate(picked.rows)
        if row is not None
        and (result := results[index]) is not None
        and result.code == DismissErrorCode.MUST_APPROVE_OR_DENY
    }
    moot = await moot_requests(session, list(refused.values()))
    chosen = {index: row for index, row in refused.items() if row.id in moot}
    for index in chosen:
        results[index] = None
    return chosen


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
    moot = await _moot_checked(session, picked, results)
    # Nothing reads the entries back unless they are to be shown: their
    # writes can wait for the final numbers (``close_listed``).
    deferred = not with_entries
    changes = await close_listed(
        session, dismissable, Resolution.DISMISSED, viewer=viewer, now=now, deferred=deferred
    )
    changes += await close_listed(
        session,
        list(moot.values()),
        Resolution.DISMISSED,
        viewer=viewer,
        now=now,
        reason=MOOT,
        deferred=deferred,
    )
    indices += list(moot)
    dismissable += list(moot.values())
    for index, row in zip(indices, dismissable, strict=True):
        results[index] = ItemResult(picked.ref(index), Outcome.DISMISSED, row)
    report = ActionReport(results=[r for r in results if r is not None], changes=changes)
    if with_entries:
        await with_entries_loaded(session, report)
    return report
