"""Customer topics: keep our copy of the shop's customers current."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import (
    CustomerDetails,
    find_customer,
    mark_customer_deleted,
    record_customer,
)
from shopify_loyalty.inbox.context import Handler, WebhookContext
from shopify_loyalty.metafields.stale import mark_metafields_stale
from shopify_loyalty.notifications.consent import MarketingConsent, record_marketing_consent
from shopify_loyalty.notifications.outbox import queue_welcome
from shopify_loyalty.points.bonuses import award_signup_bonus
from shopify_loyalty.program_events.telling import tell_recent_facts
from shopify_loyalty.stamps.cards import join_stamp_card
from webhooks import payloads


def customer_details(payload: dict[str, Any]) -> CustomerDetails:
    return CustomerDetails(
        shopify_customer_id=payloads.shopify_id(payload, "id"),
        email=payloads.text(payload, "email", 320),
        first_name=payloads.text(payload, "first_name"),
        last_name=payloads.text(payload, "last_name"),
        phone=payloads.text(payload, "phone", 64),
        locale=payloads.text(payload, "locale", 16),
        shopify_created_at=payloads.timestamp(payload, "created_at"),
    )


def customer_created(ctx: WebhookContext) -> None:
    customer = record_customer(ctx.session, ctx.shop, customer_details(ctx.payload))
    award_signup_bonus(ctx.session, ctx.shop, customer)
    # A new member's stamp card starts with its head start.
    join_stamp_card(ctx.session, ctx.shop, customer)
    record_consent(ctx, customer)
    mark_metafields_stale(ctx.session, ctx.shop, customer)
    queue_welcome(ctx.session, ctx.shop, customer)
    tell_recent_facts(ctx.session, ctx.shop, customer)


def customer_updated(ctx: WebhookContext) -> None:
    customer = record_customer(ctx.session, ctx.shop, customer_details(ctx.payload))
    record_consent(ctx, customer)
    tell_recent_facts(ctx.session, ctx.shop, customer)


def email_consent_updated(ctx: WebhookContext) -> None:
    """``customers_email_marketing_consent/update``: where the consent comes from since API
    version 2025-01 (``customer_id``, ``email_address``, ``email_marketing_consent``)."""
    shopify_customer_id = payloads.shopify_id(ctx.payload, "customer_id")
    customer = find_customer(ctx.session, ctx.shop, shopify_customer_id)
    if customer is None:
        # The consent can arrive before customers/create.
        customer = record_customer(
            ctx.session,
            ctx.shop,
            CustomerDetails(
                shopify_customer_id=shopify_customer_id,
                email=payloads.text(ctx.payload, "email_address", 320),
            ),
        )
    record_consent(ctx, customer)


def record_consent(ctx: WebhookContext, customer: Customer) -> None:
    """The email marketing consent, when the payload carries it: API versions before
    2025-01 send ``email_marketing_consent`` on customers/create and customers/update; later
    ones leave it out (it moved to its own topic) and the stored consent stays."""
    consent = payloads.obj(ctx.payload, "email_marketing_consent")
    if consent is None or not isinstance(consent.get("state"), str):
        return
    record_marketing_consent(
        ctx.session,
        customer,
        MarketingConsent(
            subscribed=consent["state"].lower() == "subscribed",
            updated_at=payloads.timestamp(consent, "consent_updated_at"),
        ),
    )


def customer_deleted(ctx: WebhookContext) -> None:
    mark_customer_deleted(ctx.session, ctx.shop, payloads.shopify_id(ctx.payload, "id"))


HANDLERS: dict[str, Handler] = {
    "customers/create": customer_created,
    "customers/update": customer_updated,
    "customers/delete": customer_deleted,
    "customers_email_marketing_consent/update": email_consent_updated,
}
