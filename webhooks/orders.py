"""Order topics: paid orders earn, refunds and cancellations take back."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.context import Handler, WebhookContext
from shopify_loyalty.orders.records import PaidOrder, record_paid_order
from shopify_loyalty.points.ledger import append_entry
from webhooks import payloads

PENDING_DAYS = 14


def order_paid(ctx: WebhookContext) -> None:
    payload = ctx.payload
    order_id = payloads.shopify_id(payload, "id")
    customer_data = payloads.obj(payload, "customer")
    customer = None
    if customer_data is not None:
        customer = record_customer(
            ctx.session,
            ctx.shop,
            CustomerDetails(
                shopify_customer_id=payloads.shopify_id(customer_data, "id"),
                email=payloads.text(customer_data, "email", 320),
                first_name=payloads.text(customer_data, "first_name"),
                last_name=payloads.text(customer_data, "last_name"),
            ),
        )
    codes = tuple(
        str(code.get("code", ""))[:255] for code in payloads.items(payload, "discount_codes")
    )
    paid = PaidOrder(
        shopify_order_id=order_id,
        customer=customer,
        name=payloads.text(payload, "name", 64),
        currency=payloads.text(payload, "currency", 3) or ctx.shop.currency,
        subtotal=payloads.money(payload, "subtotal_price"),
        total_price=payloads.money(payload, "total_price"),
        discount_codes=codes,
        test=bool(payload.get("test", False)),
        source_name=payloads.text(payload, "source_name", 64),
        placed_at=payloads.timestamp(payload, "created_at"),
        paid_at=payloads.timestamp(payload, "processed_at"),
    )
    order = record_paid_order(ctx.session, ctx.shop, paid)
    if customer is None or order.test:
        return
    points = int(max(order.subtotal, Decimal(0)).to_integral_value(rounding=ROUND_FLOOR))
    if points > 0:
        append_entry(
            ctx.session,
            customer,
            points=points,
            reason="order",
            source="order",
            key=f"order:{order_id}:earn",
            order_id=order_id,
            available_at=utcnow() + timedelta(days=PENDING_DAYS),
        )


HANDLERS: dict[str, Handler] = {
    "orders/paid": order_paid,
}
