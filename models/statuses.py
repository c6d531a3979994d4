"""The closed vocabularies the tables store: statuses and their kin.

Issue 11: "Status values ("REQUESTED", "ACTIVE", "BOOKED"...) are enums in
the models with CHECK constraints in the migrations." Each column below is
typed with its enum (stored as the same strings as before) and the database
refuses any other value (migration ``0007_status_checks``; the names of the
constraints are ``ck_<table>_<column>``).

Open vocabularies are left as strings on purpose: activity types and portal
event kinds (a registry of kinds grows them), audit actions and change
reasons (each feature adds its own).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class WindowStatus(StrEnum):
    """The window's Status column: what an entry asks of staff."""

    NOTIFICATION = "NOTIFICATION"
    PENDING = "PENDING"
    APPROVED = "APPROVED"


class Resolution(StrEnum):
    """How an entry left the window; ``None`` on the row means it is still open."""

    APPROVED = "APPROVED"
    DENIED = "DENIED"
    DISMISSED = "DISMISSED"
    EXPIRED = "EXPIRED"
    SUPERSEDED = "SUPERSEDED"


class ChangeKind(StrEnum):
    """What a change did to the window."""

    ADDED = "ADDED"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"


class EnrollmentStatus(StrEnum):
    REQUESTED = "REQUESTED"
    ACTIVE = "ACTIVE"
    DROPPED = "DROPPED"
    TRANSFERRED = "TRANSFERRED"


class EnrollmentType(StrEnum):
    """An enrollment's type, as stored on the enrollment and shown to staff."""

    STANDARD = "STANDARD"
    TRIAL = "TRIAL"
    MAKEUP = "MAKEUP"
    WAITLIST = "WAITLIST"


class AbsenceStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    DENIED = "DENIED"


class AppointmentStatus(StrEnum):
    REQUESTED = "REQUESTED"
    BOOKED = "BOOKED"
    CANCELED = "CANCELED"
    RESCHEDULED = "RESCHEDULED"
    DENIED = "DENIED"


class Surface(StrEnum):
    """Where the Online Activity window is open: the full window, or the
    Welcome Page widget it can also be reached from."""

    WINDOW = "WINDOW"
    WIDGET = "WIDGET"


class AuditScope(StrEnum):
    """Who may read an audit record, as the window is scoped ("Tenants and
    locations never see each other, on every path: ... audit"): by what its
    subject touches (issue 10)."""

    # ``location_id``'s staff; null: a location-independent entry or family,
    # which the window shows every staff member.
    LOCATION = "LOCATION"
    # Staff who see every location listed in ``audit_record_locations``.
    LOCATIONS = "LOCATIONS"
    # Staff of all locations only: settings, operators' acts, a family no
    # entry places anywhere.
    ORGANISATION = "ORGANISATION"


def stored(enum: type[StrEnum], *, column: str, length: int) -> Enum:
    """A column of ``enum``'s values, as a VARCHAR of ``length`` with a CHECK
    named ``ck_<table>_<column>`` (the naming convention in ``models.base``).

    Reads give enum members; writes take members or their strings. An
    unknown string is not refused here but by the database, so the CHECK is
    what guards every path, raw SQL included.
    """
    return Enum(
        enum,
        name=column,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=False,
    )
