"""App lifecycle topics."""

from __future__ import annotations

from shopify_loyalty.inbox.context import Handler, WebhookContext
from shopify_loyalty.shops.install import uninstall_shop


def app_uninstalled(ctx: WebhookContext) -> None:
    uninstall_shop(ctx.session, ctx.shop, ctx.event.triggered_at)


HANDLERS: dict[str, Handler] = {
    "app/uninstalled": app_uninstalled,
}
