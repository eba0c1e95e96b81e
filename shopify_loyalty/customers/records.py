"""Keeping our copy of a shop's customers in step with Shopify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, literal_column, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import transaction_memo
from shopify_loyalty.unique_rows import insert_unless_present

CREATED_MEMO = "customers.created"


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


def record_customer(session: Session, shop: Shop, details: CustomerDetails) -> Customer:
    """Create the customer or refresh its details; a redacted customer stays redacted."""
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
    changes: dict[str, Any] = {"deleted_at": None, "updated_at": now}
    changes.update(_given(details))
    statement = (
        postgresql_insert(Customer)
        .values(shop_id=shop.id, shopify_customer_id=details.shopify_customer_id, **changes)
        .on_conflict_do_update(
            index_elements=[Customer.shop_id, Customer.shopify_customer_id],
            set_=changes,
            where=Customer.redacted_at.is_(None),
        )
        .returning(Customer, literal_column("xmax = 0", Boolean))
        .execution_options(populate_existing=True)
    )
    row = session.execute(statement).first()
    if row is None:
        return None
    customer, inserted = row
    if inserted:
        transaction_memo(session, CREATED_MEMO)[customer.id] = True
    stored: Customer = customer
    return stored


def _given(details: CustomerDetails) -> dict[str, Any]:
    """The details Shopify sent (a field it left out keeps what we have)."""
    given = {}
    for field in ("email", "first_name", "last_name", "phone", "locale", "shopify_created_at"):
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
