"""Noticing when a shopper uses one of our codes, from the codes a paid order carries."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.rewards.codes import normalise_code
from shopify_loyalty.rewards.models import USED, IssuedCode
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import (
    lasts_the_transaction,
    read_codes_ahead,
    transaction_memo,
)

# The issued code with each text, by (shop id, code), or None when the shop has none: read
# ahead for the paid orders of a batch. It holds the session's own rows, so a code one order
# marks used is used for the next, and the codes issued in the transaction are added to it.
ISSUED_BY_CODE_MEMO = lasts_the_transaction("rewards.issued_by_code")


def order_code_texts(discount_codes: Iterable[str]) -> set[str]:
    """The texts an order's discount codes are matched by: trimmed, upper case, not empty."""
    codes = {normalise_code(str(code)) for code in discount_codes}
    codes.discard("")
    return codes


def record_code_usage(session: Session, shop: Shop, order: Order) -> list[IssuedCode]:
    """Mark each of our codes among the order's ``discount_codes`` used by this order.

    Codes are matched case-insensitively (shoppers type them as they like). A code already
    marked used keeps its first order; the codes newly marked are returned.
    """
    codes = order_code_texts(json.loads(order.discount_codes or "[]"))
    if not codes:
        return []
    known: dict[tuple[int, str], IssuedCode | None] = transaction_memo(session, ISSUED_BY_CODE_MEMO)
    found = [
        issued
        for code in sorted(codes)
        if (issued := known.get((shop.id, code))) is not None and issued.used_at is None
    ]
    unknown = sorted(code for code in codes if (shop.id, code) not in known)
    if unknown:
        found.extend(session.scalars(_unused_codes(), {"shop_id": shop.id, "codes": unknown}))
    for issued in found:
        issued.status = USED
        issued.used_at = order.paid_at or utcnow()
        issued.used_shopify_order_id = order.shopify_order_id
    if found:
        session.flush()
    return found


def look_up_issued_codes(session: Session, wanted: Iterable[tuple[Shop, Iterable[str]]]) -> None:
    """Read in one query the issued codes that several orders carry (each order's shop and
    discount codes), so ``record_code_usage`` answers them from memory, absent ones too."""
    keys = {(shop.id, code) for shop, codes in wanted for code in order_code_texts(codes)}
    read_codes_ahead(session, ISSUED_BY_CODE_MEMO, keys, _issued_codes_named())


def remember_issued_code(session: Session, issued: IssuedCode) -> None:
    """A code written (or found written) in this transaction is never taken for absent."""
    transaction_memo(session, ISSUED_BY_CODE_MEMO)[(issued.shop_id, issued.code)] = issued


@cache
def _unused_codes() -> Select[IssuedCode]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(IssuedCode).where(
        IssuedCode.shop_id == bindparam("shop_id"),
        IssuedCode.code.in_(bindparam("codes", expanding=True)),
        IssuedCode.used_at.is_(None),
    )


@cache
def _issued_codes_named() -> Select[IssuedCode]:
    # Used or not: whether a code is still unused is read from the row when an order names
    # it, as an earlier order of the same transaction may have used it.
    return select(IssuedCode).where(
        IssuedCode.shop_id.in_(bindparam("shop_ids", expanding=True)),
        IssuedCode.code.in_(bindparam("codes", expanding=True)),
    )
