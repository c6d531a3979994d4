"""The audit log: every decision on an entry, kept for two years."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow
from models.statuses import AuditScope, stored


def _default_scope(context: DefaultExecutionContext) -> str:
    parameters: dict[str, object] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return "ORGANISATION" if parameters.get("entry_id") is None else "LOCATION"


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_records_org_at", "organisation_id", "at", "id"),
        Index("ix_audit_records_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # APPROVED | DENIED | DISMISSED | EXPIRED | SUPERSEDED | REVIEWED | EMAILED | SUSPENDED
    # | SETTINGS_CHANGED, or an operator's: ORG_CREATED | DEACTIVATED | TOKEN_REVOKED
    # | KEY_ROTATED
    action: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entry_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    location_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Who may read it, as the window is scoped (``domain.audit.AuditScope``):
    # LOCATION: ``location_id``'s staff (null: a location-independent subject,
    # every staff member); LOCATIONS: staff of every location in
    # ``audit_record_locations``; ORGANISATION: staff of all locations only.
    # Unsaid, a record about an entry is the entry's location's, any other
    # the organisation's.
    location_scope: Mapped[AuditScope] = mapped_column(
        stored(AuditScope, column="location_scope", length=12),
        default=_default_scope,
        server_default="ORGANISATION",
    )
    # None for actions the system took (expiry, supersession).
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
    )
    staff_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The entry as it was when the decision was taken.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class AuditRecordLocation(Base):
    """A location a LOCATIONS-scoped record touches (an email to a family
    whose selected entries are at several locations)."""

    __tablename__ = "audit_record_locations"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("audit_records.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
