"""Keeping our copy of a shop's customers in step with Shopify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Insert, Table, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.rows_ahead import insert_ahead, take_ahead
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo
from shopify_loyalty.unique_rows import (
    insert_unless_present,
    stored_columns,
    stored_object,
)

CREATED_MEMO = "customers.created"
# Customers created ahead for the paid orders of a batch, by (shop id, Shopify customer id):
# each with the details it was created from, until the event about them takes it.
CREATED_AHEAD_MEMO = lasts_the_transaction("customers.created_ahead")
# What Shopify tells about a customer; a field it leaves out keeps what we have.
DETAIL_FIELDS = ("email", "first_name", "last_name", "phone", "locale", "shopify_created_at")


@dataclass(frozen=True)
class CustomerDetails:
    shopify_customer_id: int
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    locale: str | None = None
    shopify_created_at: datetime | None = None


def find_customer(session: Session, shop: Shop, shopify_customer_id: int) -> Customer | None:
    return session.scalar(
        select(Customer).where(
            Customer.shop_id == shop.id, Customer.shopify_customer_id == shopify_customer_id
        )
    )


def created_in_this_transaction(session: Session, customer: Customer) -> bool:
    """True when this transaction inserted the customer: no other transaction can have
    stored a row that points at them yet, so rows of theirs can be inserted without a
    lookup first (a conflict would still be handled)."""
    return customer.id in transaction_memo(session, CREATED_MEMO)


def create_customers_ahead(
    session: Session, customers: Sequence[tuple[Shop, CustomerDetails]]
) -> dict[tuple[int, int], Customer]:
    """Create, in one statement, those of these customers (each named once) that are new,
    for :func:`record_customer` to return when it is given the same details; the new ones,
    by (shop id, Shopify customer id). Those stored already are left as they are until
    their own event refreshes them, so the events before it see them as they were; a new
    one is seen by none of those, which only ever look customers up by their own rows."""
    now = utcnow()
    # In one order for every batch: two batches that create the same new customers wait for
    # each other's first instead of deadlocking.
    customers = sorted(customers, key=lambda item: (item[0].id, item[1].shopify_customer_id))
    rows = [
        Customer(
            shop_id=shop.id,
            shopify_customer_id=details.shopify_customer_id,
            **{field: getattr(details, field) for field in DETAIL_FIELDS},
            deleted_at=None,
            created_at=now,
            updated_at=now,
        )
        for shop, details in customers
    ]
    return insert_ahead(
        session,
        CREATED_AHEAD_MEMO,
        rows,
        [details for _, details in customers],
        key=lambda row: (row.shop_id, row.shopify_customer_id),
    )


def record_customer(session: Session, shop: Shop, details: CustomerDetails) -> Customer:
    """Create the customer or refresh its details; a redacted customer stays redacted."""
    created: Customer | None = take_ahead(
        session, CREATED_AHEAD_MEMO, (shop.id, details.shopify_customer_id), details
    )
    if created is not None:
        transaction_memo(session, CREATED_MEMO)[created.id] = True
        return created
    if session.get_bind().dialect.name == "postgresql":
        upserted = _upsert_customer(session, shop, details)
        if upserted is not None:
            return upserted
    customer = find_customer(session, shop, details.shopify_customer_id)
    if customer is None:
        new = Customer(shop_id=shop.id, shopify_customer_id=details.shopify_customer_id)
        _refresh(new, details)
        stored = insert_unless_present(session, new)
        if stored is not None:
            transaction_memo(session, CREATED_MEMO)[stored.id] = True
            return stored
        # Another event created it first (customers/create racing orders/paid).
        customer = find_customer(session, shop, details.shopify_customer_id)
        assert customer is not None
    if customer.redacted_at is not None:
        return customer
    _refresh(customer, details)
    session.flush()
    return customer


def _upsert_customer(session: Session, shop: Shop, details: CustomerDetails) -> Customer | None:
    """:func:`record_customer` in one statement on PostgreSQL: the insert, or else the
    refresh of the stored row; None when that row is redacted (left as it is).

    ``xmax = 0`` holds for a row version this very insert wrote, not for one the refresh
    wrote (that one carries the row lock the refresh took).
    """
    now = utcnow()
    values: dict[str, Any] = {field: getattr(details, field) for field in DETAIL_FIELDS}
    values.update(
        shop_id=shop.id,
        shopify_customer_id=details.shopify_customer_id,
        deleted_at=None,
        created_at=now,
        updated_at=now,
    )
    if session.autoflush:
        session.flush()
    row = session.connection().execute(_upsert_statement(), values).first()
    if row is None:
        return None
    customer = stored_object(session, Customer, row)
    if row[-1]:
        transaction_memo(session, CREATED_MEMO)[customer.id] = True
    return customer


@cache
def _upsert_statement() -> Insert:
    """Built once: a detail Shopify left out (None) keeps the stored one."""
    table = Customer.__table__
    assert isinstance(table, Table)
    statement = postgresql_insert(table)
    kept = {
        field: func.coalesce(statement.excluded[field], table.c[field]) for field in DETAIL_FIELDS
    }
    return statement.on_conflict_do_update(
        index_elements=[table.c.shop_id, table.c.shopify_customer_id],
        set_={**kept, "deleted_at": None, "updated_at": statement.excluded.updated_at},
        where=table.c.redacted_at.is_(None),
    ).returning(*stored_columns(Customer), literal_column("xmax = 0", Boolean))


def _given(details: CustomerDetails) -> dict[str, Any]:
    """The details Shopify sent (a field it left out keeps what we have)."""
    given = {}
    for field in DETAIL_FIELDS:
        value = getattr(details, field)
        if value is not None:
            given[field] = value
    return given


def _refresh(customer: Customer, details: CustomerDetails) -> None:
    for field, value in _given(details).items():
        setattr(customer, field, value)
    customer.deleted_at = None
    customer.updated_at = utcnow()


def mark_customer_deleted(session: Session, shop: Shop, shopify_customer_id: int) -> None:
    """Shopify deleted the customer: keep the ledger, stop treating them as a member."""
    customer = find_customer(session, shop, shopify_customer_id)
    if customer is not None and customer.deleted_at is None:
        customer.deleted_at = utcnow()
