"""Who may receive which email: Shopify's marketing consent and our unsubscribe link.

Shopify sends the consent as ``email_marketing_consent`` (``state`` "subscribed",
"unsubscribed", "not_subscribed", "pending", ...; ``consent_updated_at``). Since API
version 2025-01 the ``customers/create`` and ``customers/update`` payloads no longer carry
it; it arrives on the dedicated ``customers_email_marketing_consent/update`` topic. We read
it wherever it is present and keep the newest choice (by ``consent_updated_at``), so an
older delivery arriving late never overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.kinds import is_marketing
from shopify_loyalty.notifications.models import (
    CUSTOMER_GONE,
    NO_CONSENT,
    NO_EMAIL,
    UNSUBSCRIBED,
    EmailUnsubscribe,
)
from shopify_loyalty.shops.models import Shop

SUBSCRIBED = "subscribed"


@dataclass(frozen=True)
class MarketingConsent:
    subscribed: bool
    updated_at: datetime | None


def record_marketing_consent(
    session: Session, customer: Customer, consent: MarketingConsent
) -> None:
    """Keep the consent unless the customer's stored one was given later."""
    stored = customer.email_consent_updated_at
    if stored is not None and consent.updated_at is not None and consent.updated_at < stored:
        return
    customer.accepts_email_marketing = consent.subscribed
    customer.email_consent_updated_at = consent.updated_at or utcnow()
    session.flush()


def unsubscribe(session: Session, shop: Shop, customer: Customer) -> EmailUnsubscribe:
    """Record that the shopper wants no more marketing email; a second time keeps the first."""
    existing = unsubscribed_at(session, shop, customer)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            row = EmailUnsubscribe(
                shop_id=shop.id, customer_id=customer.id, unsubscribed_at=utcnow()
            )
            session.add(row)
    except IntegrityError:
        found = unsubscribed_at(session, shop, customer)
        assert found is not None
        return found
    return row


def unsubscribed_at(session: Session, shop: Shop, customer: Customer) -> EmailUnsubscribe | None:
    return session.scalar(
        select(EmailUnsubscribe).where(
            EmailUnsubscribe.shop_id == shop.id, EmailUnsubscribe.customer_id == customer.id
        )
    )


def accepts_marketing(session: Session, shop: Shop, customer: Customer) -> bool:
    """Subscribed at Shopify, and not unsubscribed through our link since they subscribed."""
    if not customer.accepts_email_marketing:
        return False
    row = unsubscribed_at(session, shop, customer)
    if row is None:
        return True
    opted_in = customer.email_consent_updated_at
    return opted_in is not None and opted_in > row.unsubscribed_at


def reason_not_to_send(session: Session, shop: Shop, customer: Customer, kind: str) -> str | None:
    """Why this customer must not get a message of this kind (None: send it)."""
    if customer.redacted_at is not None or customer.deleted_at is not None:
        return CUSTOMER_GONE
    if not customer.email:
        return NO_EMAIL
    if not is_marketing(kind):
        return None
    if not customer.accepts_email_marketing:
        return NO_CONSENT
    if not accepts_marketing(session, shop, customer):
        return UNSUBSCRIBED
    return None
