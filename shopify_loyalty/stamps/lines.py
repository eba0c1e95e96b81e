"""The parts of order and refund payloads the stamp rule reads: line items and quantities.

Read strictly, like every payload field: a malformed value is an :class:`InvalidPayload`
(retrying cannot help), never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from shopify_loyalty.inbox.context import InvalidPayload

MAX_ID = 2**63 - 1
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class OrderLine:
    line_item_id: int
    product_id: int | None  # None for custom items, which belong to no product
    quantity: int


@dataclass(frozen=True)
class RefundedItems:
    """One refund: its id, the subtotal it gave back (shop currency) and quantities per line."""

    refund_id: int
    subtotal: Decimal
    lines: Mapping[int, int] = field(default_factory=dict)


def order_lines(items: Sequence[Mapping[str, Any]]) -> tuple[OrderLine, ...]:
    """The ``line_items`` of an order payload."""
    return tuple(
        OrderLine(
            line_item_id=_id(item, "id", "line_items[].id"),
            product_id=None
            if item.get("product_id") is None
            else _id(item, "product_id", "line_items[].product_id"),
            quantity=_quantity(item, "quantity", "line_items[].quantity"),
        )
        for item in items
    )


def refunded_items(refund: Mapping[str, Any]) -> RefundedItems:
    """A ``refunds/create`` payload: the refunded line items and their subtotal.

    The subtotal is taken in the shop's money (``subtotal_set.shop_money``) when Shopify sends
    it, else from the plain ``subtotal``, which is in the shop's currency too.
    """
    lines: dict[int, int] = {}
    subtotal = Decimal("0.00")
    raw_lines = refund.get("refund_line_items") or []
    if not isinstance(raw_lines, list) or not all(isinstance(i, Mapping) for i in raw_lines):
        raise InvalidPayload("refund_line_items", "must be a list of objects")
    for item in raw_lines:
        line_id = _id(item, "line_item_id", "refund_line_items[].line_item_id")
        lines[line_id] = lines.get(line_id, 0) + _quantity(
            item, "quantity", "refund_line_items[].quantity"
        )
        subtotal += _line_subtotal(item)
    return RefundedItems(refund_id=_id(refund, "id", "id"), subtotal=subtotal, lines=lines)


def _line_subtotal(item: Mapping[str, Any]) -> Decimal:
    shop_money = ((item.get("subtotal_set") or {}).get("shop_money") or {}).get("amount")
    raw = shop_money if shop_money is not None else item.get("subtotal", 0)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InvalidPayload("refund_line_items[].subtotal", "must be an amount")
    try:
        amount = Decimal(str(raw))
    except InvalidOperation as error:
        raise InvalidPayload("refund_line_items[].subtotal", "must be an amount") from error
    if not amount.is_finite():
        raise InvalidPayload("refund_line_items[].subtotal", "must be an amount")
    return amount.quantize(Decimal("0.01"))


def _id(payload: Mapping[str, Any], key: str, name: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(name, "must be a Shopify id")
    try:
        number = int(value)
    except ValueError as error:
        raise InvalidPayload(name, "must be a Shopify id") from error
    if not 0 < number <= MAX_ID:
        raise InvalidPayload(name, "is out of range for a Shopify id")
    return number


def _quantity(payload: Mapping[str, Any], key: str, name: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise InvalidPayload(name, f"must be a whole number from 0 to {MAX_QUANTITY}")
    return value
