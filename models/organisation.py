"""Organisations (tenants) and their locations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, JsonDocument, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # sha256 of the customer portal's key; the key itself is shown once.
    portal_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Settings the rules depend on (domain.organisation.OrganisationSettings).
    # The IANA time zone every calendar rule reads its dates in.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    drop_notice_days: Mapped[int] = mapped_column(Integer, default=30)
    drop_reason_required: Mapped[bool] = mapped_column(Boolean, default=True)
    # The valid drop reasons; empty: any reason that is not blank.
    drop_reasons: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    punch_pass_enrollments: Mapped[bool] = mapped_column(Boolean, default=True)
    # "Require saved payment method authorized for recurring billing": while
    # on, the portal offers no opt-out of recurring billing.
    require_saved_payment_method: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last sequence number handed out for this organisation's window changes.
    # Incremented with UPDATE ... RETURNING, whose row lock orders writers.
    activity_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
