"""OAuth endpoints of a fake shop: authorize, and the access token endpoint's three grants.

Rules copied from Shopify (shopify_platform.md section 3):

- ``/admin/oauth/authorize`` approves at once, like a merchant clicking Install, and
  redirects to ``redirect_uri`` with ``code, hmac, host, shop, state, timestamp``; ``hmac`` is
  the hex HMAC-SHA256 of the other parameters, sorted, as ``k=v`` joined by ``&``.
- ``/admin/oauth/access_token`` takes form or JSON bodies and grants by authorization code
  (single use), by token exchange of a session token, or by refresh token (rotating).
- Expiring offline tokens live 3600 s with a 90-day refresh token, and issuing one revokes
  the shop's earlier offline tokens: one active token per app and shop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from flask import Blueprint, Response, jsonify, redirect, request

from shopify_loyalty.standin.faults import next_fault, status_response
from shopify_loyalty.standin.state import (
    ACCESS_TOKEN_LIFETIME,
    DEFAULT_SCOPES,
    ONLINE_TOKEN_LIFETIME,
    REFRESH_TOKEN_LIFETIME,
    AccessToken,
    AuthorizationCode,
    RefreshToken,
    ShopState,
    StandinState,
    current_shop,
    current_state,
)

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105
SESSION_TOKEN_LEEWAY_SECONDS = 10

bp = Blueprint("standin_oauth", __name__)


def sign_query_params(params: Mapping[str, str | Sequence[str]], secret: str) -> str:
    """Shopify's install/callback HMAC: hex HMAC-SHA256 of sorted ``k=v`` pairs joined by ``&``.

    ``hmac`` itself is left out; ``%``, ``=`` and ``&`` are escaped so a value cannot forge a
    pair, and a ``key[]`` list is signed as ``key=["a", "b"]``.
    """
    pairs = []
    for key, value in params.items():
        if key == "hmac":
            continue
        if key.endswith("[]"):
            key = key[:-2]
            value = json.dumps([str(item) for item in value])
        name = key.replace("%", "%25").replace("=", "%3D")
        text = str(value).replace("%", "%25")
        pairs.append(f"{name}={text}".replace("&", "%26"))
    message = "&".join(sorted(pairs))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def host_param(shop_domain: str) -> str:
    """The base64 ``host`` App Bridge needs: the shop's admin address."""
    handle = shop_domain.removesuffix(".myshopify.com")
    raw = f"admin.shopify.com/store/{handle}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _oauth_error(status: int, error: str, description: str) -> tuple[Response, int]:
    return jsonify({"error": error, "error_description": description}), status


def _redirect_allowed(standin: StandinState, redirect_uri: str) -> bool:
    target = urlsplit(redirect_uri)
    if target.scheme not in ("http", "https") or not target.netloc:
        return False
    if standin.app_url is None:
        return True
    allowed = urlsplit(standin.app_url)
    return (target.scheme, target.netloc) == (allowed.scheme, allowed.netloc)


@bp.get("/<shop>/admin/oauth/authorize")
def authorize(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    now = standin.now()
    if request.args.get("client_id") != standin.api_key:
        with standin.lock:
            shop_state.log("oauth.authorize", "unknown client_id", 400, now)
        return _oauth_error(
            400, "invalid_request", "Could not find Shopify API application with that api_key"
        )
    redirect_uri = request.args.get("redirect_uri", "")
    if not _redirect_allowed(standin, redirect_uri):
        with standin.lock:
            shop_state.log("oauth.authorize", "redirect_uri refused", 400, now)
        return _oauth_error(
            400, "invalid_request", "The redirect_uri is missing or not whitelisted"
        )
    requested = [s.strip() for s in request.args.get("scope", "").split(",") if s.strip()]
    online = "per-user" in request.args.getlist("grant_options[]")
    code = secrets.token_hex(16)
    with standin.lock:
        shop_state.authorization_codes[code] = AuthorizationCode(
            code=code, scope=tuple(requested) or DEFAULT_SCOPES, online=online, issued_at=now
        )
        shop_state.log("oauth.authorize", "approved", 302, now)
    params = {
        "code": code,
        "host": host_param(shop_state.domain),
        "shop": shop_state.domain,
        "timestamp": str(int(now.timestamp())),
    }
    if "state" in request.args:
        params["state"] = request.args["state"]
    params["hmac"] = sign_query_params(params, standin.api_secret)
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return redirect(f"{redirect_uri}{separator}{urlencode(params)}", code=302)


@bp.post("/<shop>/admin/oauth/access_token")
def access_token(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    fault = next_fault(shop_state, "oauth")
    if fault is not None and fault.status is not None:
        with standin.lock:
            shop_state.log("oauth.access_token", "fault", fault.status, standin.now())
        return status_response(fault)
    body: dict[str, Any] = dict(request.args.items())
    posted = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if isinstance(posted, dict):
        body.update(posted)

    with standin.lock:
        answer, status = _grant(standin, shop_state, body)
        grant = str(body.get("grant_type") or "authorization_code")
        shop_state.log("oauth.access_token", grant, status, standin.now())
    return jsonify(answer), status


def _grant(
    standin: StandinState, shop_state: ShopState, body: Mapping[str, Any]
) -> tuple[dict[str, Any], int]:
    if body.get("client_id") != standin.api_key or not hmac.compare_digest(
        str(body.get("client_secret", "")), standin.api_secret
    ):
        return _error_body("invalid_client", "Client authentication failed"), 400
    grant_type = body.get("grant_type")
    expiring = str(body.get("expiring", "0")).lower() in ("1", "true")
    if grant_type in (None, "", "authorization_code"):
        return _grant_code(standin, shop_state, str(body.get("code", "")), expiring)
    if grant_type == TOKEN_EXCHANGE_GRANT:
        return _grant_token_exchange(standin, shop_state, body, expiring)
    if grant_type == "refresh_token":
        return _grant_refresh(standin, shop_state, str(body.get("refresh_token", "")))
    return _error_body("unsupported_grant_type", f"Unsupported grant_type {grant_type}"), 400


def _error_body(error: str, description: str) -> dict[str, Any]:
    return {"error": error, "error_description": description}


def _grant_code(
    standin: StandinState, shop_state: ShopState, code: str, expiring: bool
) -> tuple[dict[str, Any], int]:
    issued = shop_state.authorization_codes.get(code)
    if issued is None or issued.used:
        return _error_body(
            "invalid_request", "The authorization code was not found or was already used"
        ), 400
    issued.used = True
    return issue_tokens(
        standin, shop_state, issued.scope, expiring=expiring, online=issued.online, user_id="1"
    ), 200


def _grant_token_exchange(
    standin: StandinState, shop_state: ShopState, body: Mapping[str, Any], expiring: bool
) -> tuple[dict[str, Any], int]:
    subject_type = body.get("subject_token_type", ID_TOKEN_TYPE)
    requested = body.get("requested_token_type", OFFLINE_TOKEN_TYPE)
    if subject_type != ID_TOKEN_TYPE or requested not in (OFFLINE_TOKEN_TYPE, ONLINE_TOKEN_TYPE):
        return _error_body("invalid_request", "Unsupported token types"), 400
    try:
        claims = jwt.decode(
            str(body.get("subject_token", "")),
            standin.api_secret,
            algorithms=["HS256"],
            audience=standin.api_key,
            leeway=SESSION_TOKEN_LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "iss", "dest", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        return _error_body("invalid_subject_token", f"Session token is invalid: {error}"), 400
    dest_host = urlsplit(str(claims.get("dest", ""))).hostname
    iss_host = urlsplit(str(claims.get("iss", ""))).hostname
    if dest_host != shop_state.domain or iss_host != shop_state.domain:
        return _error_body("invalid_subject_token", "Session token is for another shop"), 400
    scope = _granted_scope(shop_state)
    online = requested == ONLINE_TOKEN_TYPE
    return issue_tokens(
        standin, shop_state, scope, expiring=expiring, online=online, user_id=str(claims["sub"])
    ), 200


def _granted_scope(shop_state: ShopState) -> tuple[str, ...]:
    """Token exchange grants what the app was installed with (managed install: the TOML)."""
    for token in reversed(list(shop_state.access_tokens.values())):
        if not token.online:
            return token.scope
    return DEFAULT_SCOPES


def _grant_refresh(
    standin: StandinState, shop_state: ShopState, refresh_token: str
) -> tuple[dict[str, Any], int]:
    found = shop_state.refresh_tokens.get(refresh_token)
    if found is None or not found.live(standin.now()):
        return _error_body("invalid_grant", "The refresh token is invalid or expired"), 400
    found.revoked = True
    return issue_tokens(standin, shop_state, found.scope, expiring=True, online=False), 200


def issue_tokens(
    standin: StandinState,
    shop_state: ShopState,
    scope: tuple[str, ...],
    *,
    expiring: bool,
    online: bool,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Issue a token and shape Shopify's answer. Caller holds the lock.

    A new expiring offline token revokes every earlier offline token and refresh token of
    the shop; a non-expiring one leaves them be (legacy tokens lived side by side).
    """
    now = standin.now()
    token = AccessToken(
        token=f"shpua_{secrets.token_hex(16)}",
        scope=scope,
        issued_at=now,
        expires_at=None,
        online=online,
        user_id=user_id if online else None,
    )
    answer: dict[str, Any] = {"access_token": token.token, "scope": ",".join(scope)}
    if online:
        token.expires_at = now + ONLINE_TOKEN_LIFETIME
        answer.update(
            expires_in=int(ONLINE_TOKEN_LIFETIME.total_seconds()),
            associated_user_scope=",".join(scope),
            associated_user={
                "id": int(user_id) if user_id and user_id.isdigit() else user_id,
                "first_name": "Demo",
                "last_name": "Merchant",
                "email": shop_state.info.email,
                "email_verified": True,
                "account_owner": True,
                "locale": "en",
                "collaborator": False,
            },
        )
    elif expiring:
        for earlier in shop_state.access_tokens.values():
            if not earlier.online:
                earlier.revoked = True
        for earlier_refresh in shop_state.refresh_tokens.values():
            earlier_refresh.revoked = True
        token.expires_at = now + ACCESS_TOKEN_LIFETIME
        refresh = RefreshToken(
            token=f"shprt_{secrets.token_hex(16)}",
            scope=scope,
            expires_at=now + REFRESH_TOKEN_LIFETIME,
        )
        shop_state.refresh_tokens[refresh.token] = refresh
        answer.update(
            expires_in=int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            refresh_token=refresh.token,
            refresh_token_expires_in=int(REFRESH_TOKEN_LIFETIME.total_seconds()),
        )
    shop_state.access_tokens[token.token] = token
    return answer
