"""Order topics: paid orders earn, refunds and cancellations take back.

Each handler first serializes the events of its order (points.locks), so a refund or a
cancellation applied while the order's paid event is still in flight is never missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.attribution import (
    credit_affiliate,
    look_up_affiliate_codes,
    settle_affiliate_order,
)
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import (
    CustomerDetails,
    create_customers_ahead,
    record_customer,
)
from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.context import Handler, InvalidPayload, WebhookContext
from shopify_loyalty.orders.records import (
    PaidOrder,
    find_order,
    insert_paid_orders_ahead,
    record_paid_order,
    record_refund,
)
from shopify_loyalty.paid_membership.perks import best_points_multiplier
from shopify_loyalty.points.earning import credit_order, take_back_cancellation, take_back_refund
from shopify_loyalty.points.locks import lock_customer_id, serialize_order_events
from shopify_loyalty.points.order_facts import (
    CancelledOrder,
    look_up_refunds,
    record_cancellation,
    recorded_refund,
    sync_refunded_subtotal,
)
from shopify_loyalty.program_events.telling import tell_recent_facts
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals import convert_referral, void_referral
from shopify_loyalty.referrals.conversion import look_up_referral_codes
from shopify_loyalty.referrals.models import ORDER_CANCELLED, ORDER_REFUNDED
from shopify_loyalty.rewards.usage import look_up_issued_codes, record_code_usage
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.cards import (
    join_with_first_orders_ahead,
    stamp_order,
    take_back_stamp,
)
from shopify_loyalty.stamps.lines import order_lines, refunded_items
from shopify_loyalty.stamps.order_facts import record_paid_ahead
from shopify_loyalty.stamps.rules import StampConfig
from shopify_loyalty.tiers.membership import evaluate_tier_after_order
from webhooks import paid_membership, payloads

ZERO = Decimal("0.00")


def order_paid(ctx: WebhookContext) -> None:
    payload = ctx.payload
    order_id = payloads.shopify_id(payload, "id")
    serialize_order_events(ctx.session, ctx.shop, order_id)
    customer = order_customer(ctx)
    order = record_paid_order(ctx.session, ctx.shop, paid_order(ctx.shop, payload, customer))
    sync_refunded_subtotal(ctx.session, ctx.shop, order)
    # Reward codes used on the order are recorded for every order, guests' included.
    record_code_usage(ctx.session, ctx.shop, order)
    credit_affiliate(ctx.session, ctx.shop, customer, order, payload)
    # The membership first: an order that buys it already earns at the members' rate.
    paid_membership.join_from_paid_order(ctx, customer)
    if customer is None or order.test:
        return
    credit_order(
        ctx.session,
        ctx.shop,
        customer,
        order,
        multiplier=best_points_multiplier(ctx.session, ctx.shop, customer, order.paid_at),
    )
    # Then the order's stamp, the customer's tier and the referral that brought them.
    stamp_order(
        ctx.session, ctx.shop, customer, order, order_lines(payloads.items(payload, "line_items"))
    )
    evaluate_tier_after_order(ctx.session, ctx.shop, customer)
    convert_referral(ctx.session, ctx.shop, customer, order, payload)
    if order.subtotal > ZERO and order.refunded_subtotal >= order.subtotal:
        # Refunded in full before this paid event was applied.
        void_referral(ctx.session, ctx.shop, order, ORDER_REFUNDED)
    # Last, so the emails tell what this order changed (points, stamp card, tier, referral).
    tell_recent_facts(ctx.session, ctx.shop, customer)


def look_up_paid_orders(session: Session, orders: Sequence[tuple[Shop, dict[str, Any]]]) -> None:
    """Before several paid orders are applied in one transaction (after their orders are
    locked): what each of them looks up by its codes and its id, read for all at once, one
    query a kind, so ``order_paid`` then finds it in memory. A payload it cannot read is
    passed over; its handler refuses it."""
    readable: list[tuple[Shop, dict[str, Any], int, tuple[str, ...]]] = []
    for shop, payload in orders:
        try:
            readable.append(
                (shop, payload, payloads.shopify_id(payload, "id"), discount_codes(payload))
            )
        except InvalidPayload:
            continue
    look_up_refunds(session, [(shop, order_id) for shop, _, order_id, _ in readable])
    look_up_issued_codes(session, [(shop, codes) for shop, _, _, codes in readable])
    looked_up = [(shop, payload) for shop, payload, _, _ in readable]
    look_up_affiliate_codes(session, looked_up)
    look_up_referral_codes(session, looked_up)


def paid_order(shop: Shop, payload: dict[str, Any], customer: Customer | None) -> PaidOrder:
    """What the paid order's payload tells of the order, ``customer``'s."""
    return PaidOrder(
        shopify_order_id=payloads.shopify_id(payload, "id"),
        customer=customer,
        name=payloads.text(payload, "name", 64),
        currency=order_currency(shop, payload),
        subtotal=order_subtotal(payload),
        total_price=shop_money(payload, "total_price_set", "total_price"),
        discount_codes=discount_codes(payload),
        test=bool(payload.get("test", False)),
        source_name=payloads.text(payload, "source_name", 64),
        placed_at=payloads.timestamp(payload, "created_at"),
        paid_at=payloads.timestamp(payload, "processed_at"),
    )


def record_paid_orders_ahead(
    session: Session, orders: Sequence[tuple[Shop, dict[str, Any]]]
) -> None:
    """Before several paid orders are applied in one transaction (after their lookups):
    the new customers they name and then their orders, each kind created in one statement,
    so ``order_paid`` takes its own rows from memory instead of inserting them. Only rows an
    order stores alone: a customer or an order that two orders of the batch name, an order
    whose customer is stored already, and a payload that cannot be read are left to the
    events themselves, one after the other."""
    readable: list[tuple[Shop, dict[str, Any], int, CustomerDetails | None]] = []
    for shop, payload in orders:
        try:
            order_id = payloads.shopify_id(payload, "id")
            readable.append((shop, payload, order_id, customer_details(payload)))
        except InvalidPayload:
            continue
    customers = Counter(
        (shop.id, details.shopify_customer_id) for shop, _, _, details in readable if details
    )
    order_ids = Counter((shop.id, order_id) for shop, _, order_id, _ in readable)
    alone = [
        (shop, payload, details)
        for shop, payload, order_id, details in readable
        if order_ids[(shop.id, order_id)] == 1
        and (details is None or customers[(shop.id, details.shopify_customer_id)] == 1)
    ]
    created = create_customers_ahead(
        session, [(shop, details) for shop, _, details in alone if details is not None]
    )
    paid: list[tuple[Shop, dict[str, Any], PaidOrder]] = []
    for shop, payload, details in alone:
        customer = None
        if details is not None:
            customer = created.get((shop.id, details.shopify_customer_id))
            if customer is None:
                continue
        try:
            paid.append((shop, payload, paid_order(shop, payload, customer)))
        except InvalidPayload:
            continue
    inserted = insert_paid_orders_ahead(session, [(shop, order) for shop, _, order in paid])
    # Then what the stamp rule notes of each new member's order (guests and test orders
    # collect no stamps).
    noted = []
    for shop, payload, facts in paid:
        order = inserted.get((shop.id, facts.shopify_order_id))
        if order is None or facts.customer is None or order.test:
            continue
        try:
            lines = order_lines(payloads.items(payload, "line_items"))
        except InvalidPayload:
            continue
        config = load(session, shop, StampConfig)
        noted.append((shop, config, order, facts.customer, lines))
    rows = record_paid_ahead(session, noted)
    # And last each new member's card, joined with the order's stamp.
    join_with_first_orders_ahead(
        session,
        [
            (shop, config, customer, order, row)
            for shop, config, order, customer, _ in noted
            if (row := rows.get((shop.id, order.shopify_order_id))) is not None
        ],
    )


def discount_codes(payload: dict[str, Any]) -> tuple[str, ...]:
    """The discount codes the order was placed with, as the order row keeps them."""
    return tuple(
        str(code.get("code", ""))[:255] for code in payloads.items(payload, "discount_codes")
    )


def refund_created(ctx: WebhookContext) -> None:
    payload = ctx.payload
    refund_id = payloads.shopify_id(payload, "id")
    order_id = payloads.shopify_id(payload, "order_id")
    serialize_order_events(ctx.session, ctx.shop, order_id)
    record_refund(
        ctx.session,
        ctx.shop,
        refund_id,
        order_id,
        refunded_goods(payload),
        payloads.timestamp(payload, "processed_at") or payloads.timestamp(payload, "created_at"),
    )
    refund = recorded_refund(ctx.session, ctx.shop, refund_id)
    order = find_order(ctx.session, ctx.shop, order_id)
    if order is not None and order.customer_id is not None:
        # The customer before their stamp card, in the order a batch of their paid orders
        # takes the two: the other way round, the two transactions can deadlock.
        lock_customer_id(ctx.session, ctx.shop.id, order.customer_id)
    paid_membership.give_back_from_refund(ctx)
    # The order's stamp is taken back with its points (kept for a paid event still to come).
    take_back_stamp(ctx.session, ctx.shop, order_id, refund=refunded_items(payload))
    if order is None or refund is None:
        # Not paid yet as far as we know: the paid event takes back what the refund calls for.
        return
    take_back_refund(ctx.session, ctx.shop, order, refund)
    if order.subtotal > ZERO and order.refunded_subtotal >= order.subtotal:
        void_referral(ctx.session, ctx.shop, order, ORDER_REFUNDED)
    settle_affiliate_order(ctx.session, ctx.shop, order_id)


def order_cancelled(ctx: WebhookContext) -> None:
    payload = ctx.payload
    order_id = payloads.shopify_id(payload, "id")
    serialize_order_events(ctx.session, ctx.shop, order_id)
    cancelled = CancelledOrder(
        shopify_order_id=order_id,
        cancelled_at=payloads.timestamp(payload, "cancelled_at") or utcnow(),
        customer=order_customer(ctx),
        name=payloads.text(payload, "name", 64),
        currency=order_currency(ctx.shop, payload),
        subtotal=order_subtotal(payload),
        total_price=shop_money(payload, "total_price_set", "total_price"),
        test=bool(payload.get("test", False)),
        placed_at=payloads.timestamp(payload, "created_at"),
    )
    order = record_cancellation(ctx.session, ctx.shop, cancelled)
    paid_membership.end_from_cancellation(ctx, cancelled.customer)
    take_back_cancellation(ctx.session, ctx.shop, order)
    void_referral(ctx.session, ctx.shop, order, ORDER_CANCELLED)
    # The order's stamp goes with its points.
    take_back_stamp(ctx.session, ctx.shop, order_id, cancelled_at=cancelled.cancelled_at)
    settle_affiliate_order(ctx.session, ctx.shop, order_id)


def order_customer(ctx: WebhookContext) -> Customer | None:
    """The order's customer, recorded or refreshed; None for a guest checkout."""
    details = customer_details(ctx.payload)
    if details is None:
        return None
    return record_customer(ctx.session, ctx.shop, details)


def customer_details(payload: dict[str, Any]) -> CustomerDetails | None:
    """What the order's payload tells of its customer; None for a guest checkout."""
    data = payloads.obj(payload, "customer")
    if data is None:
        return None
    return CustomerDetails(
        shopify_customer_id=payloads.shopify_id(data, "id"),
        email=payloads.text(data, "email", 320),
        first_name=payloads.text(data, "first_name"),
        last_name=payloads.text(data, "last_name"),
        shopify_created_at=payloads.timestamp(data, "created_at"),
    )


def shop_money(payload: dict[str, Any], set_field: str, plain_field: str) -> Decimal:
    """An amount in the shop's currency: the ``shop_money`` of ``set_field`` when Shopify
    sends it (never the presentment money), else ``plain_field``, which REST payloads give
    in the shop's currency too."""
    money_set = payloads.obj(payload, set_field)
    shop_amount = payloads.obj(money_set, "shop_money") if money_set is not None else None
    if shop_amount is not None:
        return payloads.money(shop_amount, "amount")
    return payloads.money(payload, plain_field)


def order_subtotal(payload: dict[str, Any]) -> Decimal:
    """The subtotal points are earned on: after discounts, before shipping and taxes, in the
    shop's currency; the current one (after order edits) when Shopify sends it.

    ``subtotal_price`` is required and checked even when a money set is used: a payload
    whose plain amount is malformed cannot be trusted for the rest either.
    """
    plain = payloads.money(payload, "subtotal_price")
    for set_field in ("current_subtotal_price_set", "subtotal_price_set"):
        money_set = payloads.obj(payload, set_field)
        shop_amount = payloads.obj(money_set, "shop_money") if money_set is not None else None
        if shop_amount is not None:
            return payloads.money(shop_amount, "amount")
    return plain


def order_currency(shop: Shop, payload: dict[str, Any]) -> str:
    subtotal_set = payloads.obj(payload, "subtotal_price_set") or {}
    shop_amount = subtotal_set.get("shop_money")
    code = shop_amount.get("currency_code") if isinstance(shop_amount, dict) else None
    if isinstance(code, str) and len(code) == 3:
        return code
    return payloads.text(payload, "currency", 3) or shop.currency


def refunded_goods(payload: dict[str, Any]) -> Decimal:
    """What a refund gives back for goods, in the shop's currency, for taking back points.

    The refunded line items' subtotals (after their discounts, without tax), adjusted by any
    refund discrepancy: Shopify records money refunded beyond the items as a negative
    adjustment and money held back as a positive one. Shipping refunds are left out because
    shipping never earned points. Never below zero.
    """
    total = ZERO
    for line in payloads.items(payload, "refund_line_items"):
        total += shop_money(line, "subtotal_set", "subtotal")
    for adjustment in payloads.items(payload, "order_adjustments"):
        if adjustment.get("kind") == "shipping_refund":
            continue
        total -= shop_money(adjustment, "amount_set", "amount")
    return max(total, ZERO)


HANDLERS: dict[str, Handler] = {
    "orders/paid": order_paid,
    "refunds/create": refund_created,
    "orders/cancelled": order_cancelled,
}
