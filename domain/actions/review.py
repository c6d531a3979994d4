"""Reviewing an online order: the magnifying glass.

"it is imperative that staff regularly check the Online Activity for "Online
Order"-type notifications so purchased items can be pulled from available
stock. This will help prevent situations where items could get sold in-house
before the customer can pick them up." Reviewing pulls the order's items
from stock once; the entry can then be dismissed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import audit
from domain.actions.outcome import Code
from domain.actions.selection import EntryRef, Selection, common_refusal, resolve
from domain.errors import ErrorCode, InvalidRequest
from domain.journal import ChangeKind, EntryKey, Journal, WindowChange
from domain.kinds import registry
from domain.lock_fence import LockClaim, domain_lock_check
from domain.viewer import Viewer
from models import ActivityEntry, OnlineOrder, OnlineOrderItem, Product


class ReviewErrorCode(ErrorCode):
    """Reviewing an online order's own area."""

    NOT_AN_ONLINE_ORDER = "NOT_AN_ONLINE_ORDER", "Only online orders are reviewed."


@dataclass(frozen=True)
class OrderLine:
    product_name: str
    quantity: int
    unit_price: Decimal


@dataclass
class OrderReview:
    entry: ActivityEntry
    order: OnlineOrder
    lines: list[OrderLine]
    # False when an earlier review already pulled the items.
    pulled_now: bool
    changes: list[WindowChange] = field(default_factory=list)


async def _lines(session: AsyncSession, order_id: int) -> list[tuple[OnlineOrderItem, Product]]:
    rows = await session.execute(
        select(OnlineOrderItem, Product)
        .join(Product, Product.id == OnlineOrderItem.product_id)
        .where(OnlineOrderItem.order_id == order_id)
        .order_by(OnlineOrderItem.id)
    )
    return [(item, product) for item, product in rows]


async def review_online_order(
    session: AsyncSession,
    viewer: Viewer,
    ref: EntryRef,
    *,
    now: datetime,
    lock: LockClaim,
) -> OrderReview:
    """Show the order and, the first time, pull its items from available
    stock (on hand and held both drop by the quantity sold)."""
    await domain_lock_check(session, viewer, lock)
    [target] = await resolve(session, viewer, Selection(refs=(ref,)), now)
    refusal = common_refusal(target, viewer)
    if (
        refusal is None
        and target.row is not None
        and not registry.kind(target.row.type).review_before_dismiss
    ):
        raise InvalidRequest.one(
            ReviewErrorCode.NOT_AN_ONLINE_ORDER, "only online orders are reviewed", "input", "id"
        )
    if refusal is not None or target.row is None:
        assert refusal is not None
        raise InvalidRequest.one(refusal.code, refusal.message, "input", "id")
    row = target.row
    order = None
    if row.order_id is not None:
        order = await session.scalar(
            select(OnlineOrder).where(OnlineOrder.id == row.order_id).with_for_update()
        )
    if order is None:
        raise InvalidRequest.one(Code.RECORD_NOT_FOUND, "the order is gone", "input", "id")
    pairs = await _lines(session, order.id)
    lines = [OrderLine(p.name, i.quantity, i.unit_price) for i, p in pairs]
    if row.reviewed_at is not None or order.pulled_at is not None:
        return OrderReview(entry=row, order=order, lines=lines, pulled_now=False)
    pulled = Counter[int]()
    for item, product in pairs:
        pulled[product.id] += item.quantity
    if pulled:
        # Core executemany: one statement for all the order's products.
        products = cast(Table, Product.__table__)
        await session.execute(
            update(products)
            .where(products.c.id == bindparam("product"))
            .values(
                stock_on_hand=products.c.stock_on_hand - bindparam("quantity"),
                stock_held=products.c.stock_held - bindparam("quantity"),
            ),
            [{"product": pid, "quantity": qty} for pid, qty in sorted(pulled.items())],
        )
    order.pulled_at = now
    journal = Journal(session)
    changes = await journal.record(
        row.organisation_id,
        [EntryKey(row.id, row.type, row.status, row.location_id)],
        change=ChangeKind.CHANGED,
        reason="REVIEWED",
    )
    await audit.write(
        session, [audit.entry_record(row, audit.AuditAction.REVIEWED, viewer=viewer, at=now)]
    )
    await session.execute(
        update(ActivityEntry)
        .where(ActivityEntry.id == row.id, ActivityEntry.version == row.version)
        .values(reviewed_at=now, version=row.version + 1, updated_seq=changes[0].sequence)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(row, "reviewed_at", now)
    set_committed_value(row, "version", row.version + 1)
    set_committed_value(row, "updated_seq", changes[0].sequence)
    await session.flush()
    return OrderReview(entry=row, order=order, lines=lines, pulled_now=True, changes=changes)
