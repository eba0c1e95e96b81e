"""Writing to and reading from the points ledger.

Rows are only ever appended. Each carries an idempotency key that is unique per shop, so
writing the same fact twice (a replayed webhook, a retried job) leaves one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.metafields.stale import mark_metafields_stale
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.unique_rows import insert_unless_present


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int

    @property
    def total(self) -> int:
        return self.available + self.pending


def append_entry(
    session: Session,
    customer: Customer,
    *,
    points: int,
    reason: str,
    source: str,
    key: str,
    order_id: int | None = None,
    available_at: datetime | None = None,
    note: str | None = None,
    actor: str | None = None,
) -> LedgerEntry | None:
    """Append one row; returns None (and writes nothing) when the key was used before."""
    now = utcnow()
    entry = LedgerEntry(
        shop_id=customer.shop_id,
        customer_id=customer.id,
        points=points,
        reason=reason,
        source=source,
        idempotency_key=key,
        shopify_order_id=order_id,
        available_at=available_at or now,
        note=note,
        actor=actor,
        created_at=now,
    )
    stored = insert_unless_present(session, entry)
    if stored is None:
        return None
    mark_metafields_stale(session, _shop_of(session, customer), customer)
    return stored


def _shop_of(session: Session, customer: Customer) -> Shop:
    shop = session.get(Shop, customer.shop_id)
    assert shop is not None
    return shop


def find_entry(session: Session, shop_id: int, key: str) -> LedgerEntry | None:
    """The row written under ``key`` in the shop, if any."""
    return session.scalar(
        select(LedgerEntry).where(
            LedgerEntry.shop_id == shop_id, LedgerEntry.idempotency_key == key
        )
    )


def recent_entries(session: Session, customer: Customer, *, limit: int = 100) -> list[LedgerEntry]:
    """The customer's newest ``limit`` rows, newest first."""
    values = {"shop_id": customer.shop_id, "customer_id": customer.id, "limit": limit}
    return list(session.scalars(_recent_query(), values))


@cache
def _recent_query() -> Select[LedgerEntry]:
    # Built once, values bound at execution: building it cost more than sending it.
    return (
        select(LedgerEntry)
        .where(
            LedgerEntry.shop_id == bindparam("shop_id"),
            LedgerEntry.customer_id == bindparam("customer_id"),
        )
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(bindparam("limit"))
    )


def _sums(moment: Any) -> tuple[Any, Any]:
    """Available points are rows already available (debits always are); pending the rest."""
    is_pending = LedgerEntry.available_at > moment
    return (
        func.coalesce(func.sum(case((is_pending, 0), else_=LedgerEntry.points)), 0),
        func.coalesce(func.sum(case((is_pending, LedgerEntry.points), else_=0)), 0),
    )


def balance_of(session: Session, customer: Customer, *, at: datetime | None = None) -> Balance:
    available, pending = session.execute(
        _balance_query(),
        {"shop_id": customer.shop_id, "customer_id": customer.id, "moment": at or utcnow()},
    ).one()
    return Balance(available=int(available), pending=int(pending))


@cache
def _balance_query() -> Select[Any, Any]:
    # Built once, values bound at execution: building it cost more than sending it.
    moment = bindparam("moment", type_=LedgerEntry.available_at.type)
    return select(*_sums(moment)).where(
        LedgerEntry.shop_id == bindparam("shop_id"),
        LedgerEntry.customer_id == bindparam("customer_id"),
    )


def balance_columns(shop_id: Any, customer_id: Any, moment: Any) -> tuple[Any, Any]:
    """The available and pending points of the customer ``customer_id`` names (a column of
    an enclosing query, or a value), as two scalar subqueries: for a query that reads the
    balance together with other rows of the customer."""
    rows = (LedgerEntry.shop_id == shop_id, LedgerEntry.customer_id == customer_id)
    available, pending = _sums(moment)
    return (
        select(available).where(*rows).scalar_subquery(),
        select(pending).where(*rows).scalar_subquery(),
    )


def balances_of(session: Session, shop: Shop, customer_ids: Sequence[int]) -> dict[int, Balance]:
    """The balances of several customers in one query (a customer without rows has none)."""
    rows = session.execute(
        _balances_query(),
        {"shop_id": shop.id, "customer_ids": list(customer_ids), "moment": utcnow()},
    )
    return {
        customer_id: Balance(available=int(available), pending=int(pending))
        for customer_id, available, pending in rows
    }


@cache
def _balances_query() -> Select[Any, Any, Any]:
    # Built once, values bound at execution, like the one customer's.
    moment = bindparam("moment", type_=LedgerEntry.available_at.type)
    return (
        select(LedgerEntry.customer_id, *_sums(moment))
        .where(
            LedgerEntry.shop_id == bindparam("shop_id"),
            LedgerEntry.customer_id.in_(bindparam("customer_ids", expanding=True)),
        )
        .group_by(LedgerEntry.customer_id)
    )
