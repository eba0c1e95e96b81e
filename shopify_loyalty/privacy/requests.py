"""Shopify's mandatory privacy topics: export a customer, redact a customer, redact a shop."""

from __future__ import annotations

import importlib
import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import Base, utcnow
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.metafields.stale import write_stale_marks
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.privacy.models import DataRequestExport
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import forget_transaction_memos

PERSONAL_FIELDS = ("email", "first_name", "last_name", "phone", "locale")


def export_customer_data(
    session: Session,
    shop: Shop,
    shopify_customer_id: int | None,
    data_request_id: int | None,
    email: str | None = None,
) -> DataRequestExport:
    """Gather everything stored about the customer into a JSON document for the merchant."""
    customer = _locate(session, shop, shopify_customer_id, email)
    document: dict[str, Any] = {
        "shop": shop.domain,
        "data_request_id": data_request_id,
        "generated_at": utcnow().isoformat(),
        "customer": None,
        "orders": [],
        "ledger": [],
    }
    if customer is not None:
        document["customer"] = _row(customer, exclude=("shop_id",))
        document["orders"] = [
            _row(order, exclude=("shop_id",))
            for order in session.scalars(
                select(Order).where(Order.shop_id == shop.id, Order.customer_id == customer.id)
            )
        ]
        document["ledger"] = [
            _row(entry, exclude=("shop_id", "idempotency_key"))
            for entry in session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.shop_id == shop.id, LedgerEntry.customer_id == customer.id)
                .order_by(LedgerEntry.id)
            )
        ]
        _load_customer_data_modules()
        for extra in _EXTRA_EXPORTERS:
            document.update(extra(session, shop, customer))
    export = DataRequestExport(
        shop_id=shop.id,
        shopify_customer_id=shopify_customer_id,
        data_request_id=data_request_id,
        document=json.dumps(document, default=str, indent=2),
    )
    session.add(export)
    session.flush()
    return export


def redact_customer(
    session: Session, shop: Shop, shopify_customer_id: int | None, email: str | None = None
) -> Customer | None:
    """Erase the customer's personal data; the ledger stays, tied to a pseudonymous row.
    Returns the redacted customer (None when there is none)."""
    customer = _locate(session, shop, shopify_customer_id, email)
    if customer is None:
        return None
    for field in PERSONAL_FIELDS:
        setattr(customer, field, None)
    customer.redacted_at = customer.redacted_at or utcnow()
    _load_customer_data_modules()
    for redactor in _EXTRA_REDACTORS:
        redactor(session, shop, customer)
    return customer


def redact_shop(session: Session, shop: Shop, keep_event_id: int | None = None) -> None:
    """Delete every row of the shop; the redact event itself stays as the proof it ran."""
    # Marks waiting for the commit would bring rows back after the deletes.
    write_stale_marks(session)
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in ("shops", "webhook_events"):
            continue
        if "shop_id" in table.c:
            session.execute(delete(table).where(table.c.shop_id == shop.id))
    events = delete(WebhookEvent).where(WebhookEvent.shop_domain == shop.domain)
    if keep_event_id is not None:
        events = events.where(WebhookEvent.id != keep_event_id)
    session.execute(events)
    session.delete(shop)
    # Rows read ahead or remembered in this transaction are gone.
    forget_transaction_memos(session)


def _locate(
    session: Session, shop: Shop, shopify_customer_id: int | None, email: str | None
) -> Customer | None:
    if shopify_customer_id is not None:
        found = find_customer(session, shop, shopify_customer_id)
        if found is not None:
            return found
    if email:
        return session.scalar(
            select(Customer).where(Customer.shop_id == shop.id, Customer.email == email).limit(1)
        )
    return None


def _row(model: object, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    columns = model.__table__.columns  # type: ignore[attr-defined]
    return {c.key: getattr(model, c.key) for c in columns if c.key not in exclude}


# Other areas register what they keep about a customer; importing these modules does it.
CUSTOMER_DATA_MODULES = (
    "shopify_loyalty.points.customer_data",
    "shopify_loyalty.surveys.customer_data",
    "shopify_loyalty.stamps.cards",
    "shopify_loyalty.rewards.issuing",
    "shopify_loyalty.referrals.customer_data",
    "shopify_loyalty.affiliates.customer_data",
    "shopify_loyalty.notifications.customer_data",
    "shopify_loyalty.program_events.customer_data",
    "shopify_loyalty.paid_membership.customer_data",
)
_EXTRA_EXPORTERS: list[Any] = []
_EXTRA_REDACTORS: list[Any] = []


def _load_customer_data_modules() -> None:
    for module in CUSTOMER_DATA_MODULES:
        importlib.import_module(module)


def register_customer_data(exporter: Any = None, redactor: Any = None) -> None:
    if exporter is not None:
        _EXTRA_EXPORTERS.append(exporter)
    if redactor is not None:
        _EXTRA_REDACTORS.append(redactor)
