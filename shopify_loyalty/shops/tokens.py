"""A shop's offline access token: stored encrypted, refreshed before it lapses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.oauth_client import TokenGrant, refresh_access_token
from shopify_loyalty.shops.models import Shop

REFRESH_MARGIN = timedelta(minutes=5)


class ShopNotConnected(Conflict):
    code = "shop_not_connected"


def store_grant(services: Services, shop: Shop, grant: TokenGrant) -> None:
    """Keep a newly issued token pair, encrypted; the previous pair is replaced."""
    shop.access_token_encrypted = services.cipher.encrypt(grant.access_token)
    shop.access_token_expires_at = grant.expires_at
    shop.refresh_token_encrypted = (
        services.cipher.encrypt(grant.refresh_token) if grant.refresh_token else None
    )
    shop.refresh_token_expires_at = grant.refresh_token_expires_at
    if grant.scope:
        shop.scopes = ",".join(grant.scope)


def access_token(services: Services, shop_domain: str, *, force_refresh: bool = False) -> str:
    """A live access token for the shop, refreshed first when it is about to expire.

    The shop row is locked while refreshing: refresh tokens rotate, so two workers
    refreshing at once would leave one of them holding a revoked pair.
    """
    with services.db.transaction() as session:
        shop = _locked_shop(session, shop_domain)
        if shop.access_token_encrypted is None or not shop.is_installed:
            raise ShopNotConnected(f"{shop_domain} has no access token; install the app again")
        expires_at = shop.access_token_expires_at
        due = expires_at is not None and expires_at - utcnow() < REFRESH_MARGIN
        if (due or force_refresh) and shop.refresh_token_encrypted:
            grant = refresh_access_token(
                services.settings,
                shop.domain,
                services.cipher.decrypt(shop.refresh_token_encrypted),
            )
            store_grant(services, shop, grant)
            return grant.access_token
        return services.cipher.decrypt(shop.access_token_encrypted)


def rotate_token_encryption(services: Services) -> int:
    """Re-encrypt every stored token under the newest key; returns how many shops changed."""
    changed = 0
    with services.db.transaction() as session:
        for shop in session.scalars(select(Shop)):
            for column in ("access_token_encrypted", "refresh_token_encrypted"):
                value = getattr(shop, column)
                if value:
                    setattr(shop, column, services.cipher.rotate(value))
            changed += 1
    return changed


def _locked_shop(session: Session, shop_domain: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain).with_for_update())
    if shop is None:
        raise ShopNotConnected(f"{shop_domain} is not installed")
    return shop
