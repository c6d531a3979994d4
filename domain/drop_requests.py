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
from typing import TYPE_CHECKING, Any, cast

from domain.calendar import SchoolCalendar
from domain.kinds import registry
from domain.rules.drops import (
    DropCriterion,
    DropPolicy,
    MissedCriterion,
    check_drop_request,
    meets_notice_period,
    missed_criteria,
)

if TYPE_CHECKING:
    # Only a type: the drop kind's module is loaded by the registry.
    from domain.kinds.drop import DropDetails


def drop_details(activity_type: str, stored: Mapping[str, Any]) -> DropDetails:
    """A drop entry's stored details, validated and typed by its kind."""
    return cast("DropDetails", registry.kind(activity_type).read(stored))


@dataclass(frozen=True)
class DropRequest:
    drop_date: date
    reason: str | None
    requested_on: date

    @classmethod
    def of(
        cls, details: DropDetails, occurred_at: datetime, calendar: SchoolCalendar
    ) -> DropRequest | None:
        """None when the entry names no drop date."""
        if details.drop_date is None:
            return None
        return cls(
            drop_date=details.drop_date,
            reason=details.reason,
            requested_on=calendar.local_date(occurred_at),
        )

    @classmethod
    def stored(
        cls,
        activity_type: str,
        stored: Mapping[str, Any],
        occurred_at: datetime,
        calendar: SchoolCalendar,
    ) -> DropRequest | None:
        """The request of a drop entry's stored details, read by its kind."""
        return cls.of(drop_details(activity_type, stored), occurred_at, calendar)

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
    activity_type: str,
    details: Mapping[str, Any],
    occurred_at: datetime,
    calendar: SchoolCalendar,
    policy: DropPolicy,
) -> tuple[object, ...]:
    """What a drop entry shows that the organisation's settings decide, read
    the way the window reads it (``DropActivity``): the notice period, the
    day the family asked on the school's calendar, whether the request
    meets the notice, and the criteria it misses. Two settings under which
    this differs show the entry differently."""
    request = DropRequest.stored(activity_type, details, occurred_at, calendar)
    shown: tuple[object, ...] = (policy.notice_days, calendar.local_date(occurred_at))
    if request is None:
        return shown
    return (*shown, request.meets_notice_period(policy), tuple(request.missed(policy)))
