"""The authorization-code install: ``/auth/install`` and ``/auth/callback``.

The shop domain is checked against Shopify's anchored rule before any shopify.Session is
built (that class rewrites bad domains into good-looking ones). The state nonce lives in a
signed, short-lived cookie bound to the shop, so no process memory is involved.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import shopify
from flask import Blueprint, redirect, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from shopify_loyalty.errors import Forbidden, InvalidInput, UpstreamError
from shopify_loyalty.services import current_services
from shopify_loyalty.shopify.oauth_client import OAuthError, exchange_code
from shopify_loyalty.shopify.signatures import is_valid_shop_domain
from shopify_loyalty.shops.install import install_shop

STATE_COOKIE = "loyalty_oauth_state"
STATE_MAX_AGE_SECONDS = 600

blueprint = Blueprint("oauth", __name__)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_services().settings.api_secret, salt="oauth-state")


def _shop_param() -> str:
    shop = request.args.get("shop", "").strip()
    if not is_valid_shop_domain(shop):
        raise InvalidInput("shop must be a domain like example.myshopify.com", field="shop")
    return shop.lower()


@blueprint.get("/auth/install")
def install() -> Response:
    settings = current_services().settings
    shop = _shop_param()
    nonce = secrets.token_urlsafe(24)
    shopify.Session.setup(api_key=settings.api_key, secret=settings.api_secret)
    session = shopify.Session(shop, settings.api_version)
    permission_url = session.create_permission_url(
        scope=list(settings.scopes),
        redirect_uri=f"{settings.app_url}/auth/callback",
        state=nonce,
    )
    # ShopifyAPI always builds https://{shop}/...; point it at the configured Admin base.
    query = urlsplit(permission_url).query
    target = f"{settings.admin_base_url(shop)}/admin/oauth/authorize?{query}"
    response = redirect(target, code=302)
    response.set_cookie(
        STATE_COOKIE,
        _serializer().dumps({"shop": shop, "nonce": nonce}),
        max_age=STATE_MAX_AGE_SECONDS,
        httponly=True,
        secure=settings.app_url.startswith("https://"),
        samesite="Lax",
        path="/auth",
    )
    return response


@blueprint.get("/auth/callback")
def callback() -> Response:
    services = current_services()
    settings = services.settings
    shop = _shop_param()
    params = {
        key: request.args.getlist(key) if key.endswith("[]") else request.args[key]
        for key in request.args
    }
    shopify.Session.setup(api_key=settings.api_key, secret=settings.api_secret)
    try:
        valid = "hmac" in params and shopify.Session.validate_params(params)
    except Exception:  # a malformed hmac or timestamp is simply not valid
        valid = False
    if not valid:
        raise Forbidden("The request's hmac is missing, stale or wrong.", code="invalid_hmac")
    try:
        stored = _serializer().loads(
            request.cookies.get(STATE_COOKIE, ""), max_age=STATE_MAX_AGE_SECONDS
        )
    except BadSignature as error:
        raise Forbidden("The install state is missing or expired.", code="invalid_state") from error
    state = request.args.get("state", "")
    if stored.get("shop") != shop or not hmac.compare_digest(str(stored.get("nonce")), state):
        raise Forbidden("The install state does not match.", code="invalid_state")
    code = request.args.get("code", "")
    if not code:
        raise InvalidInput("code is required", field="code")
    try:
        grant = exchange_code(settings, shop, code)
    except OAuthError as error:
        raise UpstreamError("Shopify refused the install code; start the install again.") from error
    install_shop(services, shop, grant, method="authorization_code")
    response = redirect(f"{settings.admin_base_url(shop)}/admin/apps/{settings.api_key}", code=302)
    response.delete_cookie(STATE_COOKIE, path="/auth")
    return response
