"""Who is looking at an admin page, and the CSRF token of their forms.

Embedded in the Shopify admin, a page request carries an App Bridge session token: as
``Authorization: Bearer`` (App Bridge's fetch), or as ``id_token`` in the query string (the
app's first load) or a form field (our forms put a fresh one in before they submit). A
document request from the Shopify admin without a token gets the session-token bounce page,
which loads App Bridge and reloads the page with ``id_token``.

Outside Shopify, the development login (dev_login.py, off unless ``LOYALTY_DEV_LOGIN=1``)
keeps the shop in a signed, HttpOnly, SameSite cookie session.

Every form carries a CSRF token: an HMAC of the shop and the browser session's nonce under
the app's secret, checked on every POST.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from flask import g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from shopify_loyalty.admin.auth import authenticated_shop
from shopify_loyalty.admin.dev_login import DEV_SHOP_KEY, dev_login_enabled
from shopify_loyalty.errors import Forbidden, Unauthorized
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shops.models import Shop

View = TypeVar("View", bound=Callable[..., Any])
NONCE_KEY = "csrf_nonce"
EMBEDDED_NONCE = "embedded"


def page_shop() -> Shop | None:
    """The shop the request speaks for, or None when it carries no credentials."""
    token = request.values.get("id_token", "").strip()
    header = request.headers.get("Authorization") or (f"Bearer {token}" if token else None)
    if header:
        g.embedded = True
        return authenticated_shop(header)
    if dev_login_enabled() and session.get(DEV_SHOP_KEY):
        g.embedded = False
        shop = request_session().scalar(select(Shop).where(Shop.domain == session[DEV_SHOP_KEY]))
        if shop is not None and shop.is_installed:
            return shop
    return None


def require_page_shop(view: View) -> View:
    """Run the page with ``g.shop`` set; POSTs must carry the form's CSRF token."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        shop = page_shop()
        if shop is None:
            if request.method == "GET" and request.args.get("shop") and request.args.get("host"):
                # Shopify's session-token bounce: App Bridge reloads the page with id_token.
                query = urlencode(
                    {
                        "shop": request.args["shop"],
                        "host": request.args["host"],
                        "shopify-reload": request.url,
                    }
                )
                return redirect(f"{url_for('admin_pages.session_token_bounce')}?{query}")
            if dev_login_enabled():
                return render_template("admin/signed_out.html", dev_login=True), 401
            raise Unauthorized("Open the app from your Shopify admin.")
        g.shop = shop
        if request.method == "POST" and not hmac.compare_digest(
            request.form.get("csrf_token", "").encode(), csrf_token().encode()
        ):
            raise Forbidden("The form has expired; reload the page and try again.", field="csrf")
        return view(*args, **kwargs)

    return cast(View, wrapper)


def csrf_token() -> str:
    """The CSRF token of the current shop and browser session."""
    if getattr(g, "embedded", False):
        nonce = EMBEDDED_NONCE  # the session token itself cannot be sent by another site
    else:
        if NONCE_KEY not in session:
            session[NONCE_KEY] = secrets.token_urlsafe(16)
        nonce = session[NONCE_KEY]
    message = f"csrf:{g.shop.domain}:{nonce}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def _secret() -> bytes:
    return current_services().settings.api_secret.encode()


def app_bridge_api_key() -> str:
    return current_services().settings.api_key
