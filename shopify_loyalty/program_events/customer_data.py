"""What the program events keep about a customer, for data requests.

An event holds program facts (points, tier names, reward codes), no name or address, so
erasure keeps it: the customer row it points to is the pseudonym customers/redact leaves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.program_events.recording import event_data
from shopify_loyalty.shops.models import Shop


def export_program_events(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    events = session.scalars(
        select(ProgramEvent)
        .where(ProgramEvent.shop_id == shop.id, ProgramEvent.customer_id == customer.id)
        .order_by(ProgramEvent.id)
    )
    return {
        "program_events": [
            {
                "id": event.uid,
                "topic": event.topic,
                "created_at": event.created_at.isoformat(),
                "data": event_data(event),
            }
            for event in events
        ]
    }


register_customer_data(exporter=export_program_events)
