"""The school's clock: calendar dates in the organisation's time zone.

A family in Chicago who asks at 20:00 for a drop "30 days" later counts days
on the school's calendar, not UTC's (where it is already tomorrow). Every
calendar rule (the day a request was made, the notice period, whether a drop
date is future or past, the day before a transfer, when a drop or transfer
takes effect) takes its dates from here. Instants stay instants: the 90-day
window and the audit log's two years are measured in time, not days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "UTC"


@lru_cache(maxsize=256)
def time_zone(name: str) -> tzinfo:
    """The IANA zone named ``name``; ValueError when there is none."""
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not an IANA time zone") from error


def is_time_zone(name: str) -> bool:
    try:
        time_zone(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class SchoolCalendar:
    """Dates as the organisation's staff and families read them."""

    time_zone_name: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> tzinfo:
        return time_zone(self.time_zone_name)

    def local_date(self, instant: datetime) -> date:
        """The calendar date at the school when ``instant`` happened."""
        if instant.tzinfo is None:
            raise ValueError("a naive datetime has no place on the calendar")
        return instant.astimezone(self.zone).date()

    def today(self, now: datetime) -> date:
        """Today for this organisation, at the instant ``now``."""
        return self.local_date(now)
