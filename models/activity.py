"""The window's entries, the portal events behind them, the ordered change
record that live clients replay from, and the maintained badge counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow
from models.statuses import ChangeKind, Resolution, WindowStatus, stored

OPEN = text("resolution IS NULL")


class PortalEvent(Base):
    """Everything a family sent, kept as received: nothing is ever lost, and
    the idempotency key makes a retried event return its first result."""

    __tablename__ = "portal_events"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Ids of the entries this event created, returned again on a retry.
    entry_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)


class ActivityEntry(Base):
    __tablename__ = "activity_entries"
    __table_args__ = (
        # The window: open entries of one organisation in (occurred_at, id) order.
        Index(
            "ix_activity_entries_window",
            "organisation_id",
            "occurred_at",
            "id",
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
        Index(
            "ix_activity_entries_window_type",
            "organisation_id",
            "type",
            "occurred_at",
            "id",
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
        Index(
            "ix_activity_entries_window_location",
            "organisation_id",
            "location_id",
            "occurred_at",
            "id",
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        ),
        Index("ix_activity_entries_occurred_at", "occurred_at"),
        Index("ix_activity_entries_org_sequence", "organisation_id", "sequence", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # The organisation's sequence number when the entry was recorded.
    sequence: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    # What the entry asks of staff.
    status: Mapped[WindowStatus] = mapped_column(stored(WindowStatus, column="status", length=16))
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), nullable=True
    )
    family_id: Mapped[int | None] = mapped_column(
        ForeignKey("families.id", ondelete="SET NULL"), nullable=True
    )
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="SET NULL"), nullable=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    has_notes: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-type facts as the portal reported them (dates, reasons, amounts...).
    details: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    # The records staff act on, by type.
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), nullable=True
    )
    appointment_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_bookings.id", ondelete="SET NULL"), nullable=True
    )
    absence_id: Mapped[int | None] = mapped_column(
        ForeignKey("absences.id", ondelete="SET NULL"), nullable=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("online_orders.id", ondelete="SET NULL"), nullable=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), nullable=True
    )
    portal_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("portal_events.id", ondelete="SET NULL"), nullable=True
    )
    # Optimistic concurrency: every change bumps it; writers check it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Sequence number of the entry's latest change.
    updated_seq: Mapped[int] = mapped_column(BigInteger)
    # None while the entry is in the window.
    resolution: Mapped[Resolution | None] = mapped_column(
        stored(Resolution, column="resolution", length=16), nullable=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    processed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ActivityChange(Base):
    """The durable, ordered record of window changes per organisation.

    Live push is at-most-once; a client that reconnects replays from here
    with the last sequence number it saw, so nothing is missed.
    """

    __tablename__ = "activity_changes"
    __table_args__ = (
        PrimaryKeyConstraint("organisation_id", "sequence"),
        Index("ix_activity_changes_at", "at"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    change: Mapped[ChangeKind] = mapped_column(stored(ChangeKind, column="change", length=16))
    # Why: RECORDED, APPROVED, DENIED, DISMISSED, REVIEWED, EXPIRED, SUPERSEDED,
    # SETTINGS_CHANGED (the longest: 16)
    reason: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[WindowStatus] = mapped_column(stored(WindowStatus, column="status", length=16))
    location_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityCounter(Base):
    """Open entries per (organisation, location, type, status), maintained in
    the same transaction as every change so the badge is never recounted.

    ``location_key`` is the location id, or 0 for location-independent entries
    (a primary key column cannot be NULL).
    """

    __tablename__ = "activity_counters"
    __table_args__ = (PrimaryKeyConstraint("organisation_id", "location_key", "type", "status"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    location_key: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[WindowStatus] = mapped_column(stored(WindowStatus, column="status", length=16))
    open_count: Mapped[int] = mapped_column(BigInteger, default=0)
