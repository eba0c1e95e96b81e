"""A realistic stream of shop activity: customers signing up and paying for orders."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

FIRST_NAMES = ("Maria", "Jonas", "Lea", "Ben", "Sofia", "Noah", "Emma", "Elias", "Mila", "Paul")
LAST_NAMES = ("Keller", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch", "Richter", "Wolf")
PRODUCTS = (
    ("Merino Beanie", Decimal("29.95")),
    ("Wool Socks (3 pack)", Decimal("33.99")),
    ("Alpaca Scarf", Decimal("79.00")),
    ("Felt Slippers", Decimal("54.50")),
    ("Lambswool Gloves", Decimal("39.90")),
)


@dataclass(frozen=True)
class Delivery:
    topic: str
    payload: dict[str, Any]
    event_id: str
    webhook_id: str


def sample_payload(topic: str) -> dict[str, Any]:
    text = resources.files("webhooks").joinpath(f"samples/{topic.replace('/', '_')}.json")
    payload: dict[str, Any] = json.loads(text.read_text())
    return copy.deepcopy(payload)


def shop_activity(
    seed: int = 7, customers: int = 8, orders: int = 20, now: datetime | None = None
) -> list[Delivery]:
    """Sign-ups (in English and German, most of them accepting email marketing on Shopify's
    consent topic, which may come first) followed by paid orders, with one delivery
    repeated as Shopify may do."""
    rng = random.Random(seed)
    moment = now or datetime.now(UTC)
    people = []
    deliveries: list[Delivery] = []
    for index in range(customers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customer_id = 7_418_203_900_000 + index
        email = f"{first}.{last}{index}@example.com".lower()
        created = moment - timedelta(days=rng.randint(20, 300))
        payload = sample_payload("customers/create")
        payload.update(
            id=customer_id,
            admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
            email=email,
            first_name=first,
            last_name=last,
            phone=None,
            created_at=created.isoformat(),
            updated_at=created.isoformat(),
            locale="de" if index % 2 else "en",
        )
        payload.pop("addresses", None)
        payload.pop("default_address", None)
        people.append(payload)
        if index % 4 != 3:
            # Shopify may send the consent before the customer; the welcome then finds it.
            consent = sample_payload("customers_email_marketing_consent/update")
            consent.update(customer_id=customer_id, email_address=email)
            consent["email_marketing_consent"]["consent_updated_at"] = created.isoformat()
            deliveries.append(_delivery("customers_email_marketing_consent/update", consent, rng))
        deliveries.append(_delivery("customers/create", payload, rng))
    for number in range(orders):
        person = rng.choice(people)
        deliveries.append(_delivery("orders/paid", _order(rng, number, person, moment), rng))
    duplicate = deliveries[len(deliveries) // 2]
    deliveries.insert(len(deliveries) // 2 + 3, duplicate)
    return deliveries


def _order(
    rng: random.Random, number: int, person: dict[str, Any], moment: datetime
) -> dict[str, Any]:
    payload = sample_payload("orders/paid")
    order_id = 5_832_104_700_000 + number
    lines = []
    subtotal = Decimal("0.00")
    for line_number, (title, price) in enumerate(rng.sample(PRODUCTS, rng.randint(1, 3))):
        quantity = rng.randint(1, 2)
        subtotal += price * quantity
        lines.append(
            {
                "id": order_id * 10 + line_number,
                "product_id": 8_123_409_876_000 + PRODUCTS.index((title, price)),
                "title": title,
                "quantity": quantity,
                "current_quantity": quantity,
                "price": str(price),
                "total_discount": "0.00",
            }
        )
    tax = (subtotal * Decimal("0.19")).quantize(Decimal("0.01"))
    shipping = Decimal("4.90")
    paid = moment - timedelta(hours=rng.randint(1, 24 * 30))
    payload.update(
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{1100 + number}",
        order_number=1100 + number,
        email=person["email"],
        contact_email=person["email"],
        created_at=paid.isoformat(),
        processed_at=paid.isoformat(),
        updated_at=paid.isoformat(),
        currency="EUR",
        presentment_currency="EUR",
        discount_codes=[],
        note_attributes=[],
        landing_site="/",
        subtotal_price=str(subtotal),
        current_subtotal_price=str(subtotal),
        total_line_items_price=str(subtotal),
        total_discounts="0.00",
        current_total_discounts="0.00",
        total_tax=str(tax),
        current_total_tax=str(tax),
        total_price=str(subtotal + tax + shipping),
        current_total_price=str(subtotal + tax + shipping),
        subtotal_price_set={
            "shop_money": {"amount": str(subtotal), "currency_code": "EUR"},
            "presentment_money": {"amount": str(subtotal), "currency_code": "EUR"},
        },
        line_items=lines,
        customer={
            key: person[key]
            for key in ("id", "email", "first_name", "last_name", "admin_graphql_api_id")
        },
    )
    payload.pop("current_subtotal_price_set", None)
    return payload


def _delivery(topic: str, payload: dict[str, Any], rng: random.Random) -> Delivery:
    return Delivery(
        topic=topic,
        payload=payload,
        event_id=_uuid(rng),
        webhook_id=_uuid(rng),
    )


def _uuid(rng: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
