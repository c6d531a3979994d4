"""Approving drop requests: the school's criteria, and what staff accepted.

"it is intended that all enrollment requests will be reviewed one at a time
to ensure ... that the request meets your criteria for valid requests (such
as Drop requests including a valid Drop Reason and/or that they are within
any specified time frame [e.g., requiring 30 days notice ...])."
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.actions.outcome import Code, Refusal
from domain.drop_requests import DropRequest
from domain.organisation import OrganisationSettings
from domain.rules.drops import DropCriterion, DropRuleError
from models import ActivityEntry, Enrollment
from models.statuses import EnrollmentStatus

# The audit snapshot key recording the criteria staff accepted.
ACCEPTED_CRITERIA_KEY = "accepted_criteria"


@dataclass
class Approvals:
    """What approving did per entry: refusals, and the missed criteria staff
    accepted (recorded in the audit log with the approval)."""

    refusals: dict[int, Refusal]
    accepted: dict[int, list[DropCriterion]]


def approve_drops(
    settings: OrganisationSettings,
    rows: Sequence[ActivityEntry],
    enrollments: Mapping[int, Enrollment],
    accept: frozenset[DropCriterion],
    *,
    now: datetime,
) -> Approvals:
    """ "Drop requests including a valid Drop Reason and/or that they are
    within any specified time frame [e.g., requiring 30 days notice ...]":
    the organisation's criteria (``DropRequest.check``). A request that
    misses one is approved only if staff accepted it (``accept``), else it
    is refused with the criterion's code. The enrollment gets its drop date
    and reason; it stays ACTIVE until that date, and is DROPPED when the
    date is the organisation's today or past. ``enrollments`` are the rows'
    enrollments, locked by the caller, who flushes what this changes."""
    approvals = Approvals({}, {})
    today = settings.today(now)
    for row in rows:
        enrollment = enrollments.get(row.enrollment_id or 0)
        request = DropRequest.stored(row.type, row.details, row.occurred_at, settings.calendar)
        if enrollment is None:
            approvals.refusals[row.id] = Refusal(Code.RECORD_NOT_FOUND, "the enrollment is gone")
            continue
        if request is None:
            approvals.refusals[row.id] = Refusal(
                Code.INVALID_REQUEST, "the drop request names no date"
            )
            continue
        try:
            accepted = request.check(settings.drop_policy, accept)
        except DropRuleError as error:
            approvals.refusals[row.id] = Refusal(error.code, error.message, ("acceptCriteria",))
            continue
        if accepted:
            approvals.accepted[row.id] = accepted
        enrollment.drop_date = request.drop_date
        enrollment.drop_reason = (request.reason or "").strip() or None
        if request.drop_date <= today:
            enrollment.status = EnrollmentStatus.DROPPED
    return approvals
