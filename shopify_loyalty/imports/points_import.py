"""Points balances brought over from another loyalty app (a CSV of ``email,balance``).

Each customer found by email (case does not matter) is credited the balance they had in the
other app, once: the ledger row's key is the customer's, so importing the same or another
file again changes nothing for them. A dry run reports exactly what a real run would do and
writes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.plain_numbers import is_plain_number
from shopify_loyalty.points.ledger import append_entry, balance_of, find_entry
from shopify_loyalty.points.sources import Source
from shopify_loyalty.shops.models import Shop

IMPORT_REASON = "imported_balance"
MAX_BALANCE = 10_000_000
MAX_ROWS = 100_000

CREDIT = "credit"
ALREADY_IMPORTED = "already_imported"
UNKNOWN_CUSTOMER = "unknown_customer"
DUPLICATE = "duplicate"
INVALID = "invalid"
NOTHING = "nothing_to_import"
OUTCOMES = (CREDIT, ALREADY_IMPORTED, UNKNOWN_CUSTOMER, DUPLICATE, INVALID, NOTHING)


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    points: int | None
    outcome: str
    message: str
    shopify_customer_id: int | None = None
    balance_before: int | None = None
    balance_after: int | None = None


def import_key(customer: Customer) -> str:
    return f"import:points:{customer.id}"


def import_points(session: Session, shop: Shop, text: str, *, dry_run: bool) -> list[ImportRow]:
    """Credit (or, on a dry run, only report) each row's balance; the caller commits."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    for needed in ("email", "balance"):
        if needed not in columns:
            raise InvalidInput(f"the CSV needs an {needed} column", field=needed)
    seen: set[str] = set()
    rows = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise InvalidInput(f"a file may hold at most {MAX_ROWS} rows", field="file")
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        rows.append(_import_row(session, shop, line, row, seen, dry_run))
    return rows


def summary(rows: list[ImportRow]) -> dict[str, int]:
    counts = Counter(row.outcome for row in rows)
    return {
        **{outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        "points": sum(row.points or 0 for row in rows if row.outcome == CREDIT),
    }


def _import_row(
    session: Session, shop: Shop, line: int, row: dict[str, str], seen: set[str], dry_run: bool
) -> ImportRow:
    email = row.get("email", "").lower()
    text = row.get("balance", "")
    if "@" not in email:
        return ImportRow(line, email, None, INVALID, "email is not an email address")
    if not is_plain_number(text) or int(text) > MAX_BALANCE:
        return ImportRow(
            line, email, None, INVALID, f"balance must be a whole number from 0 to {MAX_BALANCE}"
        )
    points = int(text)
    if email in seen:
        return ImportRow(line, email, points, DUPLICATE, "this email is on an earlier line")
    seen.add(email)
    customer = session.scalar(
        select(Customer)
        .where(
            Customer.shop_id == shop.id,
            func.lower(Customer.email) == email,
            Customer.redacted_at.is_(None),
        )
        .order_by(Customer.deleted_at.is_not(None), Customer.id)
    )
    if customer is None:
        return ImportRow(line, email, points, UNKNOWN_CUSTOMER, "no customer with this email")
    before = balance_of(session, customer).total
    known = dict(shopify_customer_id=customer.shopify_customer_id, balance_before=before)
    if find_entry(session, shop.id, import_key(customer)) is not None:
        return ImportRow(
            line, email, points, ALREADY_IMPORTED, "a balance was imported before",
            balance_after=before, **known,
        )  # fmt: skip
    if points == 0:
        return ImportRow(line, email, 0, NOTHING, "the balance is 0", balance_after=before, **known)
    if not dry_run:
        append_entry(
            session, customer, points=points, reason=IMPORT_REASON, source=Source.ADJUSTMENT,
            key=import_key(customer), note="Balance from the previous loyalty program",
            actor="import",
        )  # fmt: skip
    return ImportRow(
        line, email, points, CREDIT, f"credit {points} points", balance_after=before + points,
        **known,
    )  # fmt: skip
