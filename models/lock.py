"""The window-or-widget edit lock, where every server process sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime
from models.statuses import Surface, stored


class EditLock(Base):
    """One row per staff member: which surface holds that member's edit lock.

    ``fence`` grows on every grant so a taken-over token is refused at once.
    """

    __tablename__ = "edit_locks"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    surface: Mapped[Surface] = mapped_column(stored(Surface, column="surface", length=16))
    token_hash: Mapped[str] = mapped_column(String(64))
    fence: Mapped[int] = mapped_column(BigInteger, default=0)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released: Mapped[bool] = mapped_column(default=False)
