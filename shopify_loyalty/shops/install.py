"""Installing the app into a shop (any of Shopify's three ways) and uninstalling it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.metafields.definitions import create_definitions
from shopify_loyalty.monitoring.admin_failures import record_admin_failure
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient
from shopify_loyalty.shopify.oauth_client import TokenGrant
from shopify_loyalty.shopify.shared_throttle import throttle_for
from shopify_loyalty.shopify.webhook_subscriptions import register_webhooks
from shopify_loyalty.shops.models import INSTALLED, UNINSTALLED, Shop
from shopify_loyalty.shops.tokens import access_token, store_grant

log = logging.getLogger(__name__)

SHOP_QUERY = "query { shop { name email currencyCode myshopifyDomain } }"


def install_shop(services: Services, shop_domain: str, grant: TokenGrant, method: str) -> Shop:
    """Store the token pair, then register webhooks, create the customer metafield
    definitions and read the shop's name and currency.

    Safe to repeat: a reinstall replaces the tokens and registers only missing webhooks.
    """
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain).with_for_update())
        if shop is None:
            shop = Shop(domain=shop_domain, install_method=method)
            session.add(shop)
        shop.status = INSTALLED
        shop.install_method = method
        # ``uninstalled_at`` stays: with ``installed_at`` it marks the gap whose late
        # webhooks belong to no installation (shops/installations.py).
        if shop.installed_at is None or shop.webhooks_registered_at is None:
            shop.installed_at = utcnow()
        store_grant(services, shop, grant)
    client = admin_client(services, shop_domain)
    data = client.execute(SHOP_QUERY)
    register_webhooks(client, f"{services.settings.app_url}/webhooks")
    create_definitions(client)
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
        info = data.get("shop") or {}
        shop.name = info.get("name") or shop.name
        shop.email = info.get("email") or shop.email
        shop.currency = info.get("currencyCode") or shop.currency
        shop.webhooks_registered_at = utcnow()
    log.info("installed %s by %s", shop_domain, method)
    return shop


def admin_client(services: Services, shop_domain: str) -> AdminClient:
    """The Admin API client for a shop, refreshing its token when Shopify answers 401."""
    return AdminClient(
        services.settings,
        shop_domain,
        access_token(services, shop_domain),
        on_unauthorized=lambda: access_token(services, shop_domain, force_refresh=True),
        on_failure=lambda failure: record_admin_failure(
            services.db, shop_domain, failure.kind, failure.status, failure.message
        ),
        timeout=services.settings.admin_timeout_seconds,
        throttle=throttle_for(services.redis, shop_domain),
    )


def uninstall_shop(session: Session, shop: Shop, at: datetime | None = None) -> None:
    """Shopify revoked our access (``at``, when it triggered the uninstall): forget the
    tokens; the data stays until shop/redact."""
    shop.status = UNINSTALLED
    shop.uninstalled_at = min(at, utcnow()) if at is not None else utcnow()
    shop.access_token_encrypted = None
    shop.access_token_expires_at = None
    shop.refresh_token_encrypted = None
    shop.refresh_token_expires_at = None
    shop.webhooks_registered_at = None
