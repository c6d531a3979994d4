"""A drop request as the rules read it from its entry: the one reading both
the window (what the entry shows) and approval (what it checks) use.

The request day is the organisation's local date of the moment the family
asked ("requiring 30 days notice of an intended drop" counts days on the
school's calendar, see ``domain.calendar``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain.calendar import SchoolCalendar
from domain.presentation import parse_date
from domain.rules.drops import (
    DropCriterion,
    DropPolicy,
    MissedCriterion,
    check_drop_request,
    meets_notice_period,
    missed_criteria,
)


@dataclass(frozen=True)
class DropRequest:
    drop_date: date
    reason: str | None
    requested_on: date

    @classmethod
    def of(
        cls, details: Mapping[str, Any], occurred_at: datetime, calendar: SchoolCalendar
    ) -> DropRequest | None:
        """None when the entry names no drop date."""
        drop_date = parse_date(details.get("drop_date"))
        if drop_date is None:
            return None
        reason = details.get("reason")
        return cls(
            drop_date=drop_date,
            reason=None if reason is None else str(reason),
            requested_on=calendar.local_date(occurred_at),
        )

    def meets_notice_period(self, policy: DropPolicy) -> bool:
        return meets_notice_period(
            drop_date=self.drop_date,
            requested_on=self.requested_on,
            notice_days=policy.notice_days,
        )

    def missed(self, policy: DropPolicy) -> list[MissedCriterion]:
        return missed_criteria(
            drop_date=self.drop_date,
            reason=self.reason,
            requested_on=self.requested_on,
            policy=policy,
        )

    def check(self, policy: DropPolicy, accepted: Iterable[DropCriterion]) -> list[DropCriterion]:
        """``check_drop_request``: raises DropRuleError, or returns the
        missed criteria staff accepted."""
        return check_drop_request(
            drop_date=self.drop_date,
            reason=self.reason,
            requested_on=self.requested_on,
            policy=policy,
            accepted=accepted,
        )


def shown_by_settings(
    details: Mapping[str, Any], occurred_at: datetime, calendar: SchoolCalendar, policy: DropPolicy
) -> tuple[object, ...]:
    """What a drop entry shows that the organisation's settings decide, read
    the way the window reads it (``DropActivity``): the notice period, the
    day the family asked on the school's calendar, whether the request
    meets the notice, and the criteria it misses. Two settings under which
    this differs show the entry differently."""
    request = DropRequest.of(details, occurred_at, calendar)
    shown: tuple[object, ...] = (policy.notice_days, calendar.local_date(occurred_at))
    if request is None:
        return shown
    return (*shown, request.meets_notice_period(policy), tuple(request.missed(policy)))
