"""Noticing when a shopper uses one of our codes, from the codes a paid order carries."""

from __future__ import annotations

import json
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.rewards.codes import normalise_code
from shopify_loyalty.rewards.models import USED, IssuedCode
from shopify_loyalty.shops.models import Shop


def record_code_usage(session: Session, shop: Shop, order: Order) -> list[IssuedCode]:
    """Mark each of our codes among the order's ``discount_codes`` used by this order.

    Codes are matched case-insensitively (shoppers type them as they like). A code already
    marked used keeps its first order; the codes newly marked are returned.
    """
    codes = {normalise_code(str(code)) for code in json.loads(order.discount_codes or "[]")}
    codes.discard("")
    if not codes:
        return []
    found = list(session.scalars(_unused_codes(), {"shop_id": shop.id, "codes": sorted(codes)}))
    for issued in found:
        issued.status = USED
        issued.used_at = order.paid_at or utcnow()
        issued.used_shopify_order_id = order.shopify_order_id
    session.flush()
    return found


@cache
def _unused_codes() -> Select[IssuedCode]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(IssuedCode).where(
        IssuedCode.shop_id == bindparam("shop_id"),
        IssuedCode.code.in_(bindparam("codes", expanding=True)),
        IssuedCode.used_at.is_(None),
    )
