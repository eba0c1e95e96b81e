"""An order's commission, always derived from the order's facts as they are now.

- A percentage commission is that percentage of the order subtotal after discounts (without
  shipping and taxes, in the shop's currency), less the refunded goods.
- A fixed commission is the fixed amount, reduced in proportion to the refunded share of
  the subtotal.
- Either is rounded to the cent, half up, once, from the exact value; then it is held to
  the code's remaining commission cap when the order was recorded (``commission_limit``).
- A rejected, cancelled or fully refunded order earns nothing.

Because the commission is recomputed from the facts (subtotal, refunded subtotal,
cancellation) rather than adjusted step by step, the same facts always give the same cents,
whatever order the paid, refund and cancel events arrived in and however often.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shopify_loyalty.affiliates.models import (
    FIXED_AMOUNT,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
    REJECTED,
    VOIDED,
    ZERO,
    AffiliateConversion,
)
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def order_commission(
    kind: str,
    value: Decimal,
    subtotal: Decimal,
    refunded: Decimal,
    limit: Decimal | None = None,
) -> Decimal:
    """The commission on an order's subtotal after ``refunded`` goods came back."""
    net = max(ZERO, subtotal - max(ZERO, refunded))
    if subtotal <= ZERO or net <= ZERO:
        return ZERO
    if kind == FIXED_AMOUNT:
        exact = value * net / subtotal
    else:
        exact = net * value / HUNDRED
    amount = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    if limit is not None:
        amount = min(amount, max(ZERO, limit))
    return amount


def settle_conversion(conversion: AffiliateConversion, order: Order) -> None:
    """Bring the conversion's commission and status in line with the order's facts."""
    conversion.refunded_subtotal = min(order.refunded_subtotal, conversion.order_subtotal)
    conversion.updated_at = utcnow()
    if conversion.status == REJECTED:
        conversion.commission = ZERO
        return
    if order.cancelled_at is not None:
        conversion.status, conversion.reason, conversion.commission = VOIDED, ORDER_CANCELLED, ZERO
        return
    commission = order_commission(
        conversion.commission_kind,
        conversion.commission_value,
        conversion.order_subtotal,
        conversion.refunded_subtotal,
        conversion.commission_limit,
    )
    conversion.commission = commission
    if (
        conversion.order_subtotal > ZERO
        and conversion.refunded_subtotal >= conversion.order_subtotal
    ):
        conversion.status, conversion.reason = VOIDED, ORDER_REFUNDED
