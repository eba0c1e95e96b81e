"""What the points program keeps about a customer beyond the ledger, for data requests and
erasure (customers/data_request, customers/redact).

The birthday is personal data and is erased; expiry reminders hold only points and dates
and stay with the pseudonymous customer, like the ledger.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.models import CustomerBirthday, ExpiryReminder
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.shops.models import Shop


def export_points_data(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    birthday = session.scalar(
        select(CustomerBirthday.birthday).where(
            CustomerBirthday.shop_id == shop.id, CustomerBirthday.customer_id == customer.id
        )
    )
    reminders = session.scalars(
        select(ExpiryReminder)
        .where(ExpiryReminder.shop_id == shop.id, ExpiryReminder.customer_id == customer.id)
        .order_by(ExpiryReminder.id)
    )
    return {
        "birthday": birthday.isoformat() if birthday else None,
        "points_expiry_reminders": [
            {
                "points": reminder.points,
                "expires_at": reminder.expires_at.isoformat(),
                "created_at": reminder.created_at.isoformat(),
            }
            for reminder in reminders
        ],
    }


def erase_birthday(session: Session, shop: Shop, customer: Customer) -> None:
    session.execute(
        delete(CustomerBirthday).where(
            CustomerBirthday.shop_id == shop.id, CustomerBirthday.customer_id == customer.id
        )
    )


register_customer_data(exporter=export_points_data, redactor=erase_birthday)
