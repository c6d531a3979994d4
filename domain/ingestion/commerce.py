"""Money and goods: payments, gift cards, online orders and parties.

Each creates its own record once; location-independent unless the portal
names a location.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, update

from domain.ingestion.context import Ingestion, iso_datetime, money
from domain.ingestion.events import GiftCardEvent, OnlineOrderEvent, PartyEvent, PaymentEvent
from domain.recording import NewEntry
from domain.vocabulary import ActivityType
from models import Charge, GiftCard, OnlineOrder, OnlineOrderItem, PartyBooking, Payment, Product


async def record_payment(ing: Ingestion, event: PaymentEvent) -> list[NewEntry]:
    """A payment with its charges. A charge computed with a deleted discount
    schedule is flagged so the entry shows "One or more charges associated
    with this payment were calculated using a discount schedule which has
    been deleted."."""
    location_id = None if event.location is None else await ing.refs.location(event.location)
    payment_id = await ing.refs.create_once(
        Payment,
        {
            "external_id": event.external_id,
            "family_id": ing.family_id,
            "amount": event.amount,
            "method": event.method,
        },
        field=(*ing.path, "externalId"),
    )
    if event.charges:
        await ing.session.execute(
            insert(Charge),
            [
                {
                    "payment_id": payment_id,
                    "external_id": charge.external_id,
                    "description": charge.description,
                    "amount": charge.amount,
                    "discount_schedule_deleted": charge.discount_schedule_deleted,
                }
                for charge in event.charges
            ],
        )
    return [
        ing.entry(
            ActivityType.PAYMENT,
            {
                "amount": money(event.amount),
                "method": event.method,
                "charges": [
                    {
                        "description": charge.description,
                        "amount": money(charge.amount),
                        "discount_schedule_deleted": charge.discount_schedule_deleted,
                    }
                    for charge in event.charges
                ],
            },
            location_id=location_id,
            payment_id=payment_id,
        )
    ]


async def record_gift_card(ing: Ingestion, event: GiftCardEvent) -> list[NewEntry]:
    """ "Gift Card - Gift card/Gift certificate purchases"."""
    location_id = None if event.location is None else await ing.refs.location(event.location)
    await ing.refs.create_once(
        GiftCard,
        {
            "external_id": event.external_id,
            "family_id": ing.family_id,
            "amount": event.amount,
            "recipient_name": event.recipient_name,
            "recipient_email": event.recipient_email,
        },
        field=(*ing.path, "externalId"),
    )
    return [
        ing.entry(
            ActivityType.GIFT_CARD,
            {
                "amount": money(event.amount),
                "recipient_name": event.recipient_name,
                "recipient_email": event.recipient_email,
            },
            location_id=location_id,
        )
    ]


async def record_online_order(ing: Ingestion, event: OnlineOrderEvent) -> list[NewEntry]:
    """The order and its items, HELD against stock until staff pull them:
    "it is imperative that staff regularly check the Online Activity for
    "Online Order"-type notifications so purchased items can be pulled from
    available stock. This will help prevent situations where items could get
    sold in-house before the customer can pick them up." Each product's
    ``stock_held`` grows by the quantity sold (one atomic UPDATE each)."""
    location_id = None if event.location is None else await ing.refs.location(event.location)
    total = sum((line.unit_price * line.quantity for line in event.items), Decimal(0))
    order_id = await ing.refs.create_once(
        OnlineOrder,
        {
            "external_id": event.external_id,
            "location_id": location_id,
            "family_id": ing.family_id,
            "total": total,
        },
        field=(*ing.path, "externalId"),
    )
    held: dict[int, int] = {}
    lines = []
    # In id order, as reviewing an order pulls them (domain.lock_order).
    await ing.refs.products([line.product for line in event.items])
    for line in event.items:
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
    return [
        ing.entry(
            ActivityType.ONLINE_ORDER,
            {
                "total": money(total),
                "items": [
                    {
                        "product_name": line.product.name,
                        "quantity": line.quantity,
                        "unit_price": money(line.unit_price),
                    }
                    for line in event.items
                ],
            },
            location_id=location_id,
            order_id=order_id,
        )
    ]


async def record_party(ing: Ingestion, event: PartyEvent) -> list[NewEntry]:
    """ "Parties - New party bookings"."""
    location_id = None if event.location is None else await ing.refs.location(event.location)
    await ing.refs.create_once(
        PartyBooking,
        {
            "external_id": event.external_id,
            "location_id": location_id,
            "family_id": ing.family_id,
            "party_at": event.party_at,
            "guests": event.guests,
            "package": event.package,
        },
        field=(*ing.path, "externalId"),
    )
    return [
        ing.entry(
            ActivityType.PARTY,
            {
                "party_at": iso_datetime(event.party_at),
                "guests": event.guests,
                "package": event.package,
            },
            location_id=location_id,
        )
    ]
