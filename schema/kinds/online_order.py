"""Online order entries and the portal's order input."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from domain.kinds.online_order import OnlineOrderDetails, OnlineOrderEvent
from domain.kinds.online_order import OrderLine as DomainOrderLine
from schema.activity import ActivityEntry
from schema.ingestion.references import LocationInput, ProductInput, location_ref


@strawberry.type
class OrderLine:
    product_name: str
    quantity: int
    unit_price: Decimal


@strawberry.type
class OnlineOrderActivity(ActivityEntry):
    @property
    def d(self) -> OnlineOrderDetails:
        return self.facts(OnlineOrderDetails)

    @strawberry.field
    def total(self) -> Decimal | None:
        return self.d.total

    @strawberry.field
    def items(self) -> list[OrderLine]:
        return [
            OrderLine(product_name=i.product_name, quantity=i.quantity, unit_price=i.unit_price)
            for i in self.d.items
        ]

    @strawberry.field(description="Staff reviewed the order and pulled its items from stock.")
    def reviewed(self) -> bool:
        return self.row.reviewed_at is not None


@strawberry.input
class OrderItemInput:
    product: ProductInput
    quantity: int
    unit_price: Decimal

    def to_domain(self) -> DomainOrderLine:
        return DomainOrderLine(self.product.to_domain(), self.quantity, self.unit_price)


@strawberry.input(description="An online point-of-sale purchase; its items are held in stock.")
class OnlineOrderEventInput:
    external_id: str
    items: list[OrderItemInput]
    location: LocationInput | None = None

    def to_domain(self) -> OnlineOrderEvent:
        return OnlineOrderEvent(
            self.external_id,
            tuple(i.to_domain() for i in self.items),
            location_ref(self.location),
        )


OBJECT = OnlineOrderActivity
INPUT = OnlineOrderEventInput
