"""The window filter, written once: what staff choose and which entries it matches.

"Results can be filtered by type, pending or approved status, or whether or
not there are notes"; "If "Notification" is selected ... The system
automatically excludes the following notification types from these results:
Online Orders, Gift Card, Deletion Request, Parties"; "A staff member limited
to some locations sees only those plus location-independent entries".

``WindowFilter`` is what staff choose. ``WindowMatch`` is what it matches for
one viewer: tenant, location scope, types, status, location, notes. Every
reader of the window is derived from a ``WindowMatch`` and nothing else:

- ``conditions(ENTRY_COLUMNS)``: the SQL of the window, its counts and bulk
  selections (``domain.window``);
- ``conditions(COUNTER_COLUMNS)``: the badge counters' rows
  (``domain.window_counts``, ``domain.badges``), which key a
  location-independent entry as location 0 and know nothing of notes;
- ``accepts(...)``: the live matcher, one change at a time
  (``domain.live_filter``, ``subscriptions.activity``).

``tests/domain/test_window_filter_agreement.py`` checks that the three agree
on random entries and filters against the real database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute

from domain.errors import ErrorCode, InvalidRequest, Problem
from domain.viewer import Viewer
from domain.vocabulary import EXCLUDED_FROM_NOTIFICATION_FILTER, ActivityType
from models import ActivityCounter, ActivityEntry


class WindowFilterErrorCode(ErrorCode):
    """The window filter's area: filters refused rather than shown empty."""

    EMPTY_TYPE_FILTER = "EMPTY_TYPE_FILTER", "`types` names no type."
    CONTRADICTORY_FILTER = (
        "CONTRADICTORY_FILTER",
        "The filter contradicts itself: it can match nothing.",
    )
    INVALID_FILTER = "INVALID_FILTER", "A filter value that is not allowed (noLocation: false)."
    NOT_FOUND = "NOT_FOUND", "No such location in your scope."


class HasNotes(StrEnum):
    """The window's "Has Notes: Both (All), Yes, No"."""

    BOTH = "BOTH"
    YES = "YES"
    NO = "NO"


class StatusFilter(StrEnum):
    """The window's "Status: All, Notification, Pending, Approved"."""

    ALL = "ALL"
    NOTIFICATION = "NOTIFICATION"
    PENDING = "PENDING"
    APPROVED = "APPROVED"


@dataclass(frozen=True)
class WindowFilter:
    types: frozenset[ActivityType] | None = None
    has_notes: HasNotes = HasNotes.BOTH
    status: StatusFilter = StatusFilter.ALL
    # None: all locations. ``no_location``: "Location-independent items" only.
    location_id: int | None = None
    no_location: bool = False

    def validate(self, *, field: tuple[str, ...] = ("filter",)) -> None:
        """Refuse filters that contradict themselves rather than show nothing."""
        problems: list[Problem] = []
        if self.types is not None and not self.types:
            problems.append(
                Problem(
                    WindowFilterErrorCode.EMPTY_TYPE_FILTER,
                    "types must name at least one type",
                    (*field, "types"),
                )
            )
        if (
            self.status is StatusFilter.NOTIFICATION
            and self.types
            and self.types <= EXCLUDED_FROM_NOTIFICATION_FILTER
        ):
            problems.append(
                Problem(
                    WindowFilterErrorCode.CONTRADICTORY_FILTER,
                    "the Notification status excludes online orders, gift cards, "
                    "deletion requests and parties, so these types never match it",
                    (*field, "status"),
                )
            )
        if self.location_id is not None and self.no_location:
            problems.append(
                Problem(
                    WindowFilterErrorCode.CONTRADICTORY_FILTER,
                    "choose a specific location or no location, not both",
                    (*field, "location"),
                )
            )
        if problems:
            raise InvalidRequest(problems)


class LocationChoice(StrEnum):
    """The window's location filter: every location, one, or none."""

    ALL = "ALL"
    ONE = "ONE"
    # "Location-independent items" only.
    NONE = "NONE"


@dataclass(frozen=True)
class MatchColumns:
    """Where a table keeps the facts a ``WindowMatch`` reads."""

    organisation_id: InstrumentedAttribute[int]
    type: InstrumentedAttribute[str]
    status: InstrumentedAttribute[str]
    location: InstrumentedAttribute[int] | InstrumentedAttribute[int | None]
    # The stored value of "no location": None for SQL NULL; the counters use
    # 0 (a primary key column cannot be NULL).
    no_location: int | None
    # None: the table does not know notes (the counters), so a notes filter
    # cannot be read from it.
    has_notes: InstrumentedAttribute[bool] | None

    def located_nowhere(self) -> ColumnElement[bool]:
        if self.no_location is None:
            return self.location.is_(None)
        return self.location == self.no_location

    def visible_locations(self, location_ids: frozenset[int]) -> ColumnElement[bool]:
        """The viewer's locations plus location-independent entries."""
        if self.no_location is None:
            return or_(self.location.is_(None), self.location.in_(sorted(location_ids)))
        return self.location.in_([self.no_location, *sorted(location_ids)])


ENTRY_COLUMNS = MatchColumns(
    organisation_id=ActivityEntry.organisation_id,
    type=ActivityEntry.type,
    status=ActivityEntry.status,
    location=ActivityEntry.location_id,
    no_location=None,
    has_notes=ActivityEntry.has_notes,
)
COUNTER_COLUMNS = MatchColumns(
    organisation_id=ActivityCounter.organisation_id,
    type=ActivityCounter.type,
    status=ActivityCounter.status,
    location=ActivityCounter.location_key,
    no_location=0,
    has_notes=None,
)


class NotesNotCounted(ValueError):
    """A notes filter asked of a table that does not know notes."""


@dataclass(frozen=True)
class WindowMatch:
    """The entries one viewer sees with one filter (see the module)."""

    organisation_id: int
    # None: every location. Otherwise these plus location-independent entries.
    viewer_locations: frozenset[int] | None = None
    # None: every type (less ``excluded_types``).
    types: frozenset[str] | None = None
    excluded_types: frozenset[str] = frozenset()
    status: str | None = None
    location: LocationChoice = LocationChoice.ALL
    location_id: int | None = None
    # None: with or without notes.
    has_notes: bool | None = None

    @classmethod
    def of(cls, viewer: Viewer, window_filter: WindowFilter | None = None) -> WindowMatch:
        """What ``window_filter`` matches for ``viewer``; without a filter,
        everything the viewer may see."""
        if window_filter is None:
            return cls(viewer.organisation_id, viewer.location_ids)
        location, location_id = LocationChoice.ALL, None
        if window_filter.no_location:
            location = LocationChoice.NONE
        elif window_filter.location_id is not None:
            location, location_id = LocationChoice.ONE, window_filter.location_id
        notification = window_filter.status is StatusFilter.NOTIFICATION
        return cls(
            organisation_id=viewer.organisation_id,
            viewer_locations=viewer.location_ids,
            types=(
                None
                if window_filter.types is None
                else frozenset(t.value for t in window_filter.types)
            ),
            # "The system automatically excludes the following notification
            # types from these results: Online Orders, Gift Card, Deletion
            # Request, Parties"
            excluded_types=(
                frozenset(t.value for t in EXCLUDED_FROM_NOTIFICATION_FILTER)
                if notification
                else frozenset()
            ),
            status=(
                None if window_filter.status is StatusFilter.ALL else window_filter.status.value
            ),
            location=location,
            location_id=location_id,
            has_notes=(
                None
                if window_filter.has_notes is HasNotes.BOTH
                else window_filter.has_notes is HasNotes.YES
            ),
        )

    @property
    def reads_notes(self) -> bool:
        return self.has_notes is not None

    def scope_conditions(self, columns: MatchColumns) -> list[ColumnElement[bool]]:
        """Tenant and location scope, in SQL: every read starts here."""
        conditions: list[ColumnElement[bool]] = [columns.organisation_id == self.organisation_id]
        if self.viewer_locations is not None:
            conditions.append(columns.visible_locations(self.viewer_locations))
        return conditions

    def filter_conditions(self, columns: MatchColumns) -> list[ColumnElement[bool]]:
        """The filter staff chose, in SQL (``NotesNotCounted`` when it reads
        notes and ``columns`` has none)."""
        conditions: list[ColumnElement[bool]] = []
        if self.types is not None:
            conditions.append(columns.type.in_(sorted(self.types)))
        if self.status is not None:
            conditions.append(columns.status == self.status)
        if self.excluded_types:
            conditions.append(columns.type.not_in(sorted(self.excluded_types)))
        if self.location is LocationChoice.NONE:
            conditions.append(columns.located_nowhere())
        elif self.location is LocationChoice.ONE:
            conditions.append(columns.location == self.location_id)
        if self.has_notes is not None:
            if columns.has_notes is None:
                raise NotesNotCounted("this table does not know notes: count the entries")
            conditions.append(columns.has_notes.is_(self.has_notes))
        return conditions

    def conditions(self, columns: MatchColumns) -> list[ColumnElement[bool]]:
        """Scope and filter, in SQL."""
        return [*self.scope_conditions(columns), *self.filter_conditions(columns)]

    def in_scope(self, organisation_id: int, location_id: int | None) -> bool:
        """Tenant and location scope, in Python."""
        return organisation_id == self.organisation_id and (
            location_id is None
            or self.viewer_locations is None
            or location_id in self.viewer_locations
        )

    def accepts(
        self,
        *,
        organisation_id: int,
        type: str,
        status: str,
        location_id: int | None,
        has_notes: bool | None,
    ) -> bool:
        """Scope and filter, in Python, for one entry's facts.

        ``has_notes`` None means not known (a live change before its entry
        is read, or an entry that no longer exists): the notes filter then
        lets it through.
        """
        if not self.in_scope(organisation_id, location_id):
            return False
        if self.types is not None and type not in self.types:
            return False
        if self.status is not None and status != self.status:
            return False
        if type in self.excluded_types:
            return False
        if self.location is LocationChoice.NONE and location_id is not None:
            return False
        if self.location is LocationChoice.ONE and location_id != self.location_id:
            return False
        return has_notes is None or self.has_notes is None or has_notes is self.has_notes
