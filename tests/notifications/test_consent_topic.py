"""Since API version 2025-01 the customer payloads carry no marketing consent; it comes on
``customers_email_marketing_consent/update``, which may arrive before or after the customer."""

from __future__ import annotations

from collections.abc import Callable

from shopify_loyalty.notifications.models import NotificationMessage
from tests.conftest import new_id, sample
from tests.engine.test_stamps_webhooks import paid_order
from tests.notifications.conftest import Deliver, Outbox, consent


def consent_update(customer_id: int, state: str, updated_at: str) -> dict[str, object]:
    return sample(
        "customers_email_marketing_consent/update",
        customer_id=customer_id,
        email_address=f"shopper-{customer_id}@example.com",
        email_marketing_consent=consent(state, updated_at),
    )


def current_customer(customer_id: int) -> dict[str, object]:
    """A customers/create payload of the current API: no email_marketing_consent."""
    return sample(
        "customers/create",
        id=customer_id,
        admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
        email=f"shopper-{customer_id}@example.com",
        locale="en",
    )


def test_the_consent_topic_opens_and_closes_marketing_email(
    deliver: Deliver, outbox: Outbox, messages: Callable[[], list[NotificationMessage]]
) -> None:
    customer_id = new_id()
    deliver("customers/create", current_customer(customer_id))
    deliver(
        "customers_email_marketing_consent/update",
        consent_update(customer_id, "subscribed", "2026-11-20T14:05:31+01:00"),
    )
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="25.00"))
    deliver(
        "customers_email_marketing_consent/update",
        consent_update(customer_id, "unsubscribed", "2026-11-21T09:00:00+01:00"),
    )
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="35.00"))

    [earned] = outbox.emails()
    assert earned.email["Subject"] == "You earned 25 points"
    assert [(row.kind, row.status, row.skip_reason) for row in messages()] == [
        ("welcome", "skipped", "no_consent"),
        ("points_earned", "sent", None),
        ("points_earned", "skipped", "no_consent"),
    ]


def test_a_consent_before_the_customer_is_kept_for_them(deliver: Deliver, outbox: Outbox) -> None:
    customer_id = new_id()
    deliver(
        "customers_email_marketing_consent/update",
        consent_update(customer_id, "subscribed", "2026-11-20T14:05:31+01:00"),
    )
    deliver("customers/create", current_customer(customer_id))

    [welcome] = outbox.emails()
    assert welcome.kind == "welcome"
    assert welcome.email["To"] == f"shopper-{customer_id}@example.com"
    assert "Welcome, Maria!" in welcome.text
