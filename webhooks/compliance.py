"""Shopify's mandatory privacy topics."""

from __future__ import annotations

from shopify_loyalty.inbox.context import Handler, WebhookContext
from shopify_loyalty.notifications.customer_data import delete_outbox_files
from shopify_loyalty.notifications.delivery import delete_shop_outbox
from shopify_loyalty.privacy.requests import export_customer_data, redact_customer, redact_shop
from webhooks import payloads


def _customer(ctx: WebhookContext) -> tuple[int | None, str | None]:
    customer = payloads.obj(ctx.payload, "customer") or {}
    return payloads.optional_id(customer, "id"), payloads.text(customer, "email", 320)


def data_requested(ctx: WebhookContext) -> None:
    customer_id, email = _customer(ctx)
    request = payloads.obj(ctx.payload, "data_request") or {}
    export_customer_data(
        ctx.session, ctx.shop, customer_id, payloads.optional_id(request, "id"), email
    )


def customer_redacted(ctx: WebhookContext) -> None:
    customer_id, email = _customer(ctx)
    customer = redact_customer(ctx.session, ctx.shop, customer_id, email)
    if customer is not None:
        # The emails in the outbox folder hold the address and name: they go too.
        delete_outbox_files(ctx.session, ctx.services.settings.instance_path, ctx.shop, customer)


def shop_redacted(ctx: WebhookContext) -> None:
    delete_shop_outbox(ctx.services.settings.instance_path, ctx.shop.domain)
    redact_shop(ctx.session, ctx.shop, keep_event_id=ctx.event.id)


HANDLERS: dict[str, Handler] = {
    "customers/data_request": data_requested,
    "customers/redact": customer_redacted,
    "shop/redact": shop_redacted,
}
