"""Which window changes a live subscriber is told about.

The same rules as the window (``domain.window``), applied in Python to one
change at a time: the subscriber's organisation and permitted locations
("A staff member limited to some locations sees only those plus
location-independent entries"), then the window filter it subscribed with.
"""

from __future__ import annotations

from domain.journal import WindowChange
from domain.viewer import Viewer
from domain.vocabulary import EXCLUDED_FROM_NOTIFICATION_FILTER, ActivityType
from domain.window import HasNotes, StatusFilter, WindowFilter


def visible_change(viewer: Viewer, change: WindowChange) -> bool:
    """Tenant and location scope, as every read of the window."""
    return change.organisation_id == viewer.organisation_id and viewer.sees_location(
        change.location_id
    )


def matches(change: WindowChange, window_filter: WindowFilter, has_notes: bool | None) -> bool:
    """Whether an entry with this change's type, status and location shows
    in the window under ``window_filter``.

    ``has_notes`` is None when the entry no longer exists (a denied
    enrollment request is deleted): the notes filter then lets the change
    through, so a client that shows the entry still hears of its removal.
    """
    if window_filter.types is not None and ActivityType(change.type) not in window_filter.types:
        return False
    if window_filter.status is not StatusFilter.ALL and change.status != window_filter.status.value:
        return False
    if window_filter.status is StatusFilter.NOTIFICATION and (
        ActivityType(change.type) in EXCLUDED_FROM_NOTIFICATION_FILTER
    ):
        # "The system automatically excludes the following notification types
        # from these results: Online Orders, Gift Card, Deletion Request, Parties"
        return False
    if window_filter.no_location and change.location_id is not None:
        return False
    if window_filter.location_id is not None and change.location_id != window_filter.location_id:
        return False
    if has_notes is None or window_filter.has_notes is HasNotes.BOTH:
        return True
    return has_notes is (window_filter.has_notes is HasNotes.YES)
