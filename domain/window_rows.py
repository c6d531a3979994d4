"""A window page's entries as read: plain rows, no ORM objects.

The window is read far more often than anything else (issue 12, figure 1),
and every field of its page is a read of what the row says. Reading the
page's columns with SQLAlchemy Core into ``EntryRead`` skips the ORM's
per-row loading (identity map, instance state, instrumented attributes);
the schema's entry types and the window's rules read the same attribute
names from either an ``EntryRead`` or a loaded ``models.ActivityEntry``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from models import ActivityEntry, Family, Location, Organisation
from models.statuses import Resolution, WindowStatus


class EntryRead(NamedTuple):
    id: int
    organisation_id: int
    sequence: int
    type: str
    status: WindowStatus
    location_id: int | None
    family_id: int | None
    student_id: int | None
    occurred_at: datetime
    notes: str | None
    has_notes: bool
    details: dict[str, Any]
    enrollment_id: int | None
    appointment_id: int | None
    absence_id: int | None
    version: int
    resolution: Resolution | None
    reviewed_at: datetime | None


# The ``activity_entries`` columns an ``EntryRead`` is made of, in field order.
ENTRY_READ_COLUMNS = [getattr(ActivityEntry, name) for name in EntryRead._fields]

# An entry as the window's readers take it: read for a page, or loaded.
WindowEntry = EntryRead | ActivityEntry


class LocationRead(NamedTuple):
    id: int
    external_id: str
    name: str


class FamilyRead(NamedTuple):
    id: int
    external_id: str
    name: str
    email: str | None
    email_opt_in: bool
    suspended: bool


class OrganisationRead(NamedTuple):
    """The organisation's sequence number and the settings its entries'
    fields read (``domain.organisation.OrganisationSettings``)."""

    id: int
    activity_seq: int
    name: str
    time_zone: str
    drop_notice_days: int
    drop_reason_required: bool
    drop_reasons: list[str] | None
    punch_pass_enrollments: bool
    require_saved_payment_method: bool


def _columns(table: Any, read: type[tuple[Any, ...]]) -> list[Any]:
    return [getattr(table, name) for name in read._fields]  # type: ignore[attr-defined]


LOCATION_READ_COLUMNS = _columns(Location, LocationRead)
FAMILY_READ_COLUMNS = _columns(Family, FamilyRead)
ORGANISATION_READ_COLUMNS = _columns(Organisation, OrganisationRead)
