"""What the notifications keep about a customer, for data requests and erasure.

A message row holds the address it went to: erasure removes it and keeps the row (the fact
stays told, so nothing is sent again). The emails written to the outbox folder are deleted
by the customers/redact handler (:func:`delete_outbox_files`), which knows the folder.
The unsubscribe stays: it holds no personal data and the shopper's choice must outlive the
erasure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.notifications.consent import unsubscribed_at
from shopify_loyalty.notifications.delivery import outbox_file, outbox_folder
from shopify_loyalty.notifications.models import NotificationMessage
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.shops.models import Shop


def export_notifications(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    unsubscribe = unsubscribed_at(session, shop, customer)
    messages = session.scalars(
        select(NotificationMessage)
        .where(
            NotificationMessage.shop_id == shop.id,
            NotificationMessage.customer_id == customer.id,
        )
        .order_by(NotificationMessage.id)
    )
    return {
        "email_marketing": {
            "accepts_email_marketing": customer.accepts_email_marketing,
            "consent_updated_at": (
                customer.email_consent_updated_at.isoformat()
                if customer.email_consent_updated_at
                else None
            ),
            "unsubscribed_at": unsubscribe.unsubscribed_at.isoformat() if unsubscribe else None,
        },
        "emails": [
            {
                "kind": message.kind,
                "recipient": message.recipient,
                "status": message.status,
                "created_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in messages
        ],
    }


def erase_recipients(session: Session, shop: Shop, customer: Customer) -> None:
    session.execute(
        update(NotificationMessage)
        .where(
            NotificationMessage.shop_id == shop.id,
            NotificationMessage.customer_id == customer.id,
        )
        .values(recipient=None)
    )


def delete_outbox_files(
    session: Session, instance_path: Path, shop: Shop, customer: Customer
) -> int:
    """Delete the customer's emails from the shop's outbox folder; returns how many."""
    folder = outbox_folder(instance_path, shop.domain)
    deleted = 0
    rows = session.execute(
        select(NotificationMessage.id, NotificationMessage.kind).where(
            NotificationMessage.shop_id == shop.id,
            NotificationMessage.customer_id == customer.id,
        )
    )
    for message_id, kind in rows:
        path = outbox_file(folder, message_id, kind)
        if path.exists():
            path.unlink()
            deleted += 1
    return deleted


register_customer_data(exporter=export_notifications, redactor=erase_recipients)
