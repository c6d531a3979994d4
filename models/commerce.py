"""Money and goods: payments with charges, online orders against stock,
gift cards and party bookings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UTCDateTime

Money = Numeric(12, 2)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(50))


class Charge(Base):
    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Money)
    # The charge was calculated with a discount schedule deleted since.
    discount_schedule_deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    # Items on the shelf; ``held`` of them are sold online and await pick-up.
    stock_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    stock_held: Mapped[int] = mapped_column(Integer, default=0)


class OnlineOrder(Base):
    __tablename__ = "online_orders"
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
    total: Mapped[Decimal] = mapped_column(Money)
    # Set when staff review the order and pull its items from available stock.
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OnlineOrderItem(Base):
    __tablename__ = "online_order_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("online_orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class GiftCard(Base):
    __tablename__ = "gift_cards"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str | None] = mapped_column(String(320), nullable=True)


class PartyBooking(Base):
    __tablename__ = "party_bookings"
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
    party_at: Mapped[datetime] = mapped_column(UTCDateTime)
    guests: Mapped[int] = mapped_column(Integer)
    package: Mapped[str] = mapped_column(String(200))
