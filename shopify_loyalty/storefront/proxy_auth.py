"""Who is asking, through Shopify's app proxy: the shop and the logged-in shopper.

Every request must carry Shopify's ``signature`` over its query and a ``timestamp`` at most
90 seconds old (shopify.signatures.verify_proxy_query); the shop comes from the signed
``shop`` parameter and the shopper from the signed ``logged_in_customer_id`` (empty for a
guest). Nothing else the browser sends names a shopper: ids in a body or an unsigned header
are never read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.errors import LoyaltyError, NotFound, Unauthorized
from shopify_loyalty.plain_numbers import plain_number
from shopify_loyalty.shopify.signatures import is_valid_shop_domain, verify_proxy_query
from shopify_loyalty.shops.models import Shop


class LoginRequired(LoyaltyError):
    status = 401
    code = "login_required"

    def __init__(self) -> None:
        super().__init__("Sign in to your customer account to see your points.")


class RateLimited(LoyaltyError):
    """Too many writes in the current window; ``retry_after`` seconds until the next."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests; please try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ProxyCaller:
    shop_domain: str
    shopify_customer_id: int | None
    path_prefix: str

    def require_shopper(self) -> int:
        """The logged-in shopper's Shopify customer id; LoginRequired (401) for a guest."""
        if self.shopify_customer_id is None:
            raise LoginRequired()
        return self.shopify_customer_id


def verified_caller(
    query_string: str, args: dict[str, str], secret: str, *, now: float | None = None
) -> ProxyCaller:
    """The caller of a proxied request; Unauthorized (401) unless Shopify signed it just now."""
    if not verify_proxy_query(query_string, secret, now=now):
        raise Unauthorized(
            "The request did not come signed from the shop's app proxy, or it is too old.",
            code="invalid_signature",
        )
    shop_domain = args.get("shop", "").lower()
    if not is_valid_shop_domain(shop_domain):
        raise Unauthorized("The request names no shop.", code="invalid_signature")
    raw_customer = args.get("logged_in_customer_id", "")
    if raw_customer and plain_number(raw_customer) is None:
        raise Unauthorized("The shopper id is malformed.", code="invalid_signature")
    return ProxyCaller(
        shop_domain=shop_domain,
        shopify_customer_id=int(raw_customer) if raw_customer else None,
        path_prefix=args.get("path_prefix", ""),
    )


def installed_shop(session: Session, shop_domain: str) -> Shop:
    return require_installed(session.scalar(select(Shop).where(Shop.domain == shop_domain)))


def require_installed(shop: Shop | None) -> Shop:
    """The shop, unless it is unknown or uninstalled (NotFound)."""
    if shop is None or not shop.is_installed:
        raise NotFound("The loyalty program is not available in this shop.", code="shop_not_found")
    return shop
