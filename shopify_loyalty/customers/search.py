"""Finding a shop's customers the way a merchant searches: by name, email or Shopify id."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.plain_numbers import plain_number
from shopify_loyalty.shops.models import Shop


def find_customers(session: Session, shop: Shop, query: str, limit: int) -> list[Customer]:
    """Customers whose name or email contains ``query`` (any case), or whose Shopify id is
    ``query``; the newest first. An empty query gives the newest customers. Redacted
    customers are never found."""
    text = query.strip()
    statement = select(Customer).where(Customer.shop_id == shop.id, Customer.redacted_at.is_(None))
    if text:
        pattern = f"%{text.lower()}%"
        conditions: list[ColumnElement[bool]] = [
            Customer.email.ilike(pattern),
            Customer.first_name.ilike(pattern),
            Customer.last_name.ilike(pattern),
        ]
        if (number := plain_number(text)) is not None:
            conditions.append(Customer.shopify_customer_id == number)
        statement = statement.where(or_(*conditions))
    return list(session.scalars(statement.order_by(Customer.id.desc()).limit(limit)))
