"""Past customers and orders from a CSV file, for shops moving from another platform.

Columns (a header row; order columns empty for a customer without orders):
``customer_id, email, first_name, last_name, customer_created_at, order_id, order_name,
paid_at, subtotal, total_price, refunded, currency``. Dates are ISO 8601 with a zone
(``2025-03-01T10:00:00Z``); amounts are in the shop's currency with a dot for decimals.
A customer's details are taken from the first row that names them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.imports.records import BackfillRecord, PastCustomer, PastOrder
from shopify_loyalty.plain_numbers import plain_number

REQUIRED = ("customer_id",)
COLUMNS = (
    "customer_id", "email", "first_name", "last_name", "customer_created_at", "order_id",
    "order_name", "paid_at", "subtotal", "total_price", "refunded", "currency",
)  # fmt: skip


def parse_csv(text: str, currency: str) -> Iterator[BackfillRecord | None]:
    """One record per row: the order when it has one, else the customer.

    InvalidInput names the line and column of the first value that cannot be read.
    """
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"the CSV needs a {missing[0]} column", field=missing[0])
    for line, row in enumerate(reader, start=2):
        customer = PastCustomer(
            shopify_customer_id=_id(row, "customer_id", line),
            email=(row.get("email") or "").strip() or None,
            first_name=(row.get("first_name") or "").strip() or None,
            last_name=(row.get("last_name") or "").strip() or None,
            created_at=_moment(row, "customer_created_at", line),
        )
        if not (row.get("order_id") or "").strip():
            yield customer
            continue
        paid_at = _moment(row, "paid_at", line)
        if paid_at is None:
            raise InvalidInput(f"line {line}: paid_at is required for an order", field="paid_at")
        refunded = _amount(row, "refunded", line)
        subtotal = _amount(row, "subtotal", line)
        yield PastOrder(
            shopify_order_id=_id(row, "order_id", line),
            customer=customer,
            name=(row.get("order_name") or "").strip() or None,
            currency=(row.get("currency") or "").strip() or currency,
            subtotal=max(subtotal - refunded, Decimal(0)),
            refunded=refunded,
            total_price=_amount(row, "total_price", line) or subtotal,
            paid_at=paid_at,
            test=False,
        )


def _id(row: dict[str, str], column: str, line: int) -> int:
    text = (row.get(column) or "").strip().rsplit("/", 1)[-1]
    number = plain_number(text)
    if number is None:
        raise InvalidInput(f"line {line}: {column} must be a Shopify id", field=column)
    return number


def _amount(row: dict[str, str], column: str, line: int) -> Decimal:
    text = (row.get(column) or "").strip()
    if not text:
        return Decimal("0.00")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"line {line}: {column} must be an amount like 12.50", field=column)
    return value


def _moment(row: dict[str, str], column: str, line: int) -> datetime | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            f"line {line}: {column} must be a date and time with its zone, like "
            "2025-03-01T10:00:00Z",
            field=column,
        )
    return moment
