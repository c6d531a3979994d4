"""Online Orders: "New online Point of Sale purchases", held against stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import insert, update

from domain.ingestion.context import Ingestion, money
from domain.ingestion.error_codes import PortalEventErrorCode
from domain.ingestion.events import LocationRef, ProductRef
from domain.ingestion.validation import Checks, Path, check_location
from domain.kinds.base import Details, Kind, PortalEvent, family
from domain.recording import NewEntry
from domain.vocabulary import Task
from models import OnlineOrder, OnlineOrderItem, Product

NAME = "ONLINE_ORDER"


@dataclass(frozen=True)
class OrderLine:
    product: ProductRef
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OnlineOrderEvent(PortalEvent):
    """ "Online Orders - New online Point of Sale purchases"."""

    type: ClassVar[str] = NAME
    field: ClassVar[str] = "onlineOrder"
    external_id: str
    items: tuple[OrderLine, ...]
    location: LocationRef | None = None

    def check(self, checks: Checks, path: Path) -> None:
        checks.text(self.external_id, (*path, "externalId"), limit=100)
        check_location(checks, self.location, (*path, "location"))
        checks.listed(self.items, (*path, "items"), required=True)
        for index, line in enumerate(self.items):
            item = (*path, "items", str(index))
            checks.text(line.product.external_id, (*item, "product", "externalId"), limit=100)
            checks.text(line.product.name, (*item, "product", "name"), limit=200)
            if line.quantity <= 0:
                checks.add(
                    PortalEventErrorCode.NOT_POSITIVE,
                    "quantity must be greater than zero",
                    (*item, "quantity"),
                )
            checks.money(line.unit_price, (*item, "unitPrice"), positive=False)

    async def record(self, ing: Ingestion) -> list[NewEntry]:
        """The order and its items, HELD against stock until staff pull them:
        "it is imperative that staff regularly check the Online Activity for
        "Online Order"-type notifications so purchased items can be pulled
        from available stock. This will help prevent situations where items
        could get sold in-house before the customer can pick them up." Each
        product's ``stock_held`` grows by the quantity sold (one atomic
        UPDATE each)."""
        location = self.location
        location_id = None if location is None else await ing.refs.location(location)
        total = sum((line.unit_price * line.quantity for line in self.items), Decimal(0))
        order_id = await ing.refs.create_once(
            OnlineOrder,
            {
                "external_id": self.external_id,
                "location_id": location_id,
                "family_id": ing.family_id,
                "total": total,
            },
            field=(*ing.path, "externalId"),
        )
        held: dict[int, int] = {}
        lines = []
        # In id order, as reviewing an order pulls them (domain.lock_order).
        await ing.refs.products([line.product for line in self.items])
        for line in self.items:
            product_id = await ing.refs.product(line.product)
            held[product_id] = held.get(product_id, 0) + line.quantity
            lines.append(
                {
                    "order_id": order_id,
                    "product_id": product_id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                }
            )
        await ing.session.execute(insert(OnlineOrderItem), lines)
        for product_id, quantity in sorted(held.items()):
            await ing.session.execute(
                update(Product)
                .where(Product.id == product_id)
                .values(stock_held=Product.stock_held + quantity)
            )
        items = [
            {
                "product_name": line.product.name,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
            }
            for line in self.items
        ]
        facts = {"total": money(total), "items": items}
        return [ing.entry(NAME, facts, location_id=location_id, order_id=order_id)]


class OrderLineFacts(BaseModel):
    product_name: str
    quantity: int
    unit_price: Decimal


class OnlineOrderDetails(Details):
    total: Decimal | None = None
    items: list[OrderLineFacts] = []


class OnlineOrderKind(Kind[OnlineOrderDetails]):
    name = NAME
    label = "Online Order"
    event = OnlineOrderEvent
    details = OnlineOrderDetails
    task = Task.POINT_OF_SALE
    excluded_from_notification_filter = True
    # "Online Order" entries "cannot simply be dismissed. Staff members will
    # need to click the "magnifying glass" icon to review the order".
    review_before_dismiss = True

    def summary(self, details: OnlineOrderDetails) -> str:
        return f"{family(details)} ordered {len(details.items)} item(s) online"


KIND = OnlineOrderKind()
