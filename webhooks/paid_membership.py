"""The membership lines of order topics: which lines buy, give back or cancel periods.

Called by the order handlers (webhooks/orders.py) inside their per-order lock. A line is a
membership line when its product or variant is one the merchant named in the
``membership`` settings; a refund line is read with the ``line_item`` Shopify embeds in it,
so a refund arriving before its order's paid event is still recognised.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.context import WebhookContext
from shopify_loyalty.paid_membership.purchases import (
    MembershipLine,
    RefundedLine,
    cancel_membership_lines,
    record_membership_purchase,
    record_membership_refund,
)
from shopify_loyalty.paid_membership.rules import MembershipConfig
from shopify_loyalty.programs.config import load
from webhooks import payloads

ZERO = Decimal("0.00")
MAX_QUANTITY = 1000


def join_from_paid_order(ctx: WebhookContext, customer: Customer | None) -> None:
    """A paid order with the membership product: its customer joins or renews."""
    config = load(ctx.session, ctx.shop, MembershipConfig)
    if customer is None or not config.enabled or ctx.payload.get("test"):
        return
    lines = [
        MembershipLine(
            line_item_id=payloads.shopify_id(item, "id"),
            quantity=_quantity(item, "quantity"),
            amount=_line_amount(item),
        )
        for item in payloads.items(ctx.payload, "line_items")
        if _sells_membership(config, item)
    ]
    lines = [line for line in lines if line.quantity > 0]
    if not lines:
        return
    now = utcnow()
    paid_at = payloads.timestamp(ctx.payload, "processed_at") or now
    order_id = payloads.shopify_id(ctx.payload, "id")
    record_membership_purchase(
        ctx.session, ctx.shop, customer, order_id, lines, min(paid_at, now), now
    )


def give_back_from_refund(ctx: WebhookContext) -> None:
    """A refund of membership lines gives their refunded periods back."""
    lines = []
    for item in payloads.items(ctx.payload, "refund_line_items"):
        line_item = payloads.obj(item, "line_item") or {}
        lines.append(
            RefundedLine(
                line_item_id=payloads.shopify_id(item, "line_item_id"),
                quantity=_quantity(item, "quantity"),
                amount=_shop_money(item, "subtotal_set", "subtotal"),
                product_id=payloads.optional_id(line_item, "product_id"),
                variant_id=payloads.optional_id(line_item, "variant_id"),
            )
        )
    if not lines:
        return
    now = utcnow()
    refunded_at = (
        payloads.timestamp(ctx.payload, "processed_at")
        or payloads.timestamp(ctx.payload, "created_at")
        or now
    )
    record_membership_refund(
        ctx.session,
        ctx.shop,
        payloads.shopify_id(ctx.payload, "order_id"),
        payloads.shopify_id(ctx.payload, "id"),
        lines,
        refunded_at,
        now,
    )


def end_from_cancellation(ctx: WebhookContext, customer: Customer | None) -> None:
    """A cancelled order's membership lines stop counting."""
    config = load(ctx.session, ctx.shop, MembershipConfig)
    line_ids = [
        payloads.shopify_id(item, "id")
        for item in payloads.items(ctx.payload, "line_items")
        if _sells_membership(config, item)
    ]
    now = utcnow()
    cancel_membership_lines(
        ctx.session,
        ctx.shop,
        customer,
        payloads.shopify_id(ctx.payload, "id"),
        line_ids,
        payloads.timestamp(ctx.payload, "cancelled_at") or now,
        now,
    )


def _sells_membership(config: MembershipConfig, item: dict[str, Any]) -> bool:
    return config.sells_membership(
        payloads.optional_id(item, "product_id"), payloads.optional_id(item, "variant_id")
    )


def _quantity(item: dict[str, Any], field: str) -> int:
    value = item.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise payloads.InvalidPayload(field, f"must be a whole number from 0 to {MAX_QUANTITY}")
    return value


def _line_amount(item: dict[str, Any]) -> Decimal:
    """What the line cost after its own discounts, in the shop's currency."""
    price = _shop_money(item, "price_set", "price")
    discount = _shop_money(item, "total_discount_set", "total_discount", default="0")
    return max(price * _quantity(item, "quantity") - discount, ZERO)


def _shop_money(
    item: dict[str, Any], set_field: str, plain_field: str, default: str | None = None
) -> Decimal:
    money_set = payloads.obj(item, set_field)
    shop_amount = payloads.obj(money_set, "shop_money") if money_set is not None else None
    if shop_amount is not None:
        return payloads.money(shop_amount, "amount")
    return payloads.money(item, plain_field, default)
