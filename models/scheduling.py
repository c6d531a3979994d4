"""Classes, enrollments, absences and appointment bookings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UTCDateTime, utcnow
from models.statuses import (
    AbsenceStatus,
    AppointmentStatus,
    EnrollmentStatus,
    EnrollmentType,
    stored,
)


class ClassOffering(Base):
    """A class at a location ("class" is a Python keyword)."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    class_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    session_end_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        # "iClassPro does not allow multiple transfers from a single enrollment."
        UniqueConstraint("transferred_from_id"),
        Index("ix_enrollments_class_status", "class_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    # None while the portal has not said (unknown, not STANDARD: rules that
    # need a type read it as STANDARD).
    type: Mapped[EnrollmentType | None] = mapped_column(
        stored(EnrollmentType, column="type", length=20), nullable=True
    )
    status: Mapped[EnrollmentStatus] = mapped_column(
        stored(EnrollmentStatus, column="status", length=20)
    )
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    drop_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    drop_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    transferred_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="SET NULL"), nullable=True
    )
    punch_pass: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnrollmentNote(Base):
    __tablename__ = "enrollment_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Absence(Base):
    """A future absence of one enrollment, requested through the portal."""

    __tablename__ = "absences"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id", "enrollment_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    absence_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[AbsenceStatus] = mapped_column(stored(AbsenceStatus, column="status", length=20))


class AppointmentBooking(Base):
    __tablename__ = "appointment_bookings"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), nullable=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("students.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[AppointmentStatus] = mapped_column(
        stored(AppointmentStatus, column="status", length=20)
    )
    rescheduled_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_bookings.id", ondelete="SET NULL"), nullable=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
