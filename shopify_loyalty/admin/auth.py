"""Admin authentication by App Bridge session token, with Shopify-managed installation.

A valid session token for a shop we hold no token for is exchanged for an expiring offline
token (token exchange) and the shop is installed on the spot.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import g, request
from shopify import session_token
from sqlalchemy import select

from shopify_loyalty.errors import Unauthorized, UpstreamError
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shopify.oauth_client import OAuthError, exchange_session_token
from shopify_loyalty.shopify.signatures import is_valid_shop_domain
from shopify_loyalty.shops.install import install_shop
from shopify_loyalty.shops.models import Shop

View = TypeVar("View", bound=Callable[..., Any])


def authenticated_shop(header: str | None) -> Shop:
    """The installed shop a session token speaks for; installs it by token exchange."""
    services = current_services()
    settings = services.settings
    if not header:
        raise Unauthorized("Authorization: Bearer <session token> is required.")
    try:
        claims = session_token.decode_from_header(header, settings.api_key, settings.api_secret)
    except session_token.SessionTokenError as error:
        raise Unauthorized(f"The session token is not valid: {error}") from error
    except Exception as error:  # PyJWT raises its own family for expired or forged tokens
        raise Unauthorized("The session token is not valid.") from error
    # ShopifyAPI checks exp only when present: a token without one would never expire.
    if not isinstance(claims.get("exp"), int | float):
        raise Unauthorized("The session token is not valid: it has no expiry (exp).")
    shop_domain = (urlsplit(str(claims.get("dest", ""))).hostname or "").lower()
    if not is_valid_shop_domain(shop_domain):
        raise Unauthorized("The session token names no shop.")
    session = request_session()
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
    # Decide before ending the read: touching the expired row after the rollback would
    # begin a new transaction, and on SQLite the install below would wait for it forever.
    needs_install = shop is None or not shop.is_installed or shop.access_token_encrypted is None
    session.rollback()  # end the read before the install writes in its own transactions
    if needs_install:
        token = header.split(" ", 1)[1].strip()
        try:
            grant = exchange_session_token(settings, shop_domain, token)
        except OAuthError as error:
            raise Unauthorized("Shopify did not accept the session token.") from error
        except Exception as error:
            raise UpstreamError("Shopify could not be reached to finish the install.") from error
        install_shop(services, shop_domain, grant, method="token_exchange")
        session.expire_all()
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
    assert shop is not None  # found above, or installed just now
    g.session_token_claims = claims
    return shop


def require_shop(view: View) -> View:
    """Run the view with ``g.shop`` set to the shop the request's session token is for."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.shop = authenticated_shop(request.headers.get("Authorization"))
        return view(*args, **kwargs)

    return cast(View, wrapper)


def staff_actor() -> str:
    """Who is acting in the admin: the staff member the session token names (its ``sub``),
    for the audit trail of adjustments and published terms."""
    claims = getattr(g, "session_token_claims", {}) or {}
    user = claims.get("sub")
    return f"staff:{user}" if user else "staff"
