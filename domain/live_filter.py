"""Which window changes a live subscriber is told about.

The window's own filter (``domain.window_filter.WindowMatch``), applied in
Python to one change at a time: the subscriber's organisation and permitted
locations ("A staff member limited to some locations sees only those plus
location-independent entries"), then the window filter it subscribed with.
"""

from __future__ import annotations

from domain.journal import WindowChange
from domain.window_filter import WindowMatch


def change_in_scope(match: WindowMatch, change: WindowChange) -> bool:
    """Tenant and location scope, as every read of the window (a live badge
    asks only this: it counts every entry the viewer sees)."""
    return match.in_scope(change.organisation_id, change.location_id)


def change_matches(match: WindowMatch, change: WindowChange, has_notes: bool | None) -> bool:
    """Whether an entry with this change's organisation, type, status and
    location shows in the window under ``match``.

    ``has_notes`` is None when the entry no longer exists (a denied
    enrollment request is deleted) or is not read yet: the notes filter then
    lets the change through, so a client that shows the entry still hears of
    its removal.
    """
    return match.accepts(
        organisation_id=change.organisation_id,
        type=change.type,
        status=change.status,
        location_id=change.location_id,
        has_notes=has_notes,
    )
