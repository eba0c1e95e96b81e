"""Customer topics: keep our copy of the shop's customers current."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.customers.records import (
    CustomerDetails,
    mark_customer_deleted,
    record_customer,
)
from shopify_loyalty.inbox.context import Handler, WebhookContext
from shopify_loyalty.points.bonuses import award_signup_bonus
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


def customer_updated(ctx: WebhookContext) -> None:
    record_customer(ctx.session, ctx.shop, customer_details(ctx.payload))


def customer_deleted(ctx: WebhookContext) -> None:
    mark_customer_deleted(ctx.session, ctx.shop, payloads.shopify_id(ctx.payload, "id"))


HANDLERS: dict[str, Handler] = {
    "customers/create": customer_created,
    "customers/update": customer_updated,
    "customers/delete": customer_deleted,
}
