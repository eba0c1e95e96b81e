"""Getting and renewing a shop's access token at ``/admin/oauth/access_token``.

Written on ``requests`` because ShopifyAPI 12.7 knows neither expiring tokens nor token
exchange nor refresh (shopify_platform.md section 3). Three grants:

- :func:`exchange_code`: the authorization code from the install callback;
- :func:`exchange_session_token`: token exchange of an App Bridge session token;
- :func:`refresh_access_token`: a refresh token for a new pair (the old refresh token dies).

All ask for expiring offline tokens (``expiring: "1"``): 60 minutes, refresh token 90
days. A request is retried (3 tries, short backoff) only when it surely did not count: the
connection failed, or Shopify answered 5xx. A read timeout is retried only for token
exchange, because a code or a refresh token may already have been spent. Tokens never
appear in logs, reprs or exception messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from shopify_loyalty.settings import Settings
from shopify_loyalty.shopify.signatures import is_valid_shop_domain

log = logging.getLogger(__name__)

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
ONLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:online-access-token"  # noqa: S105
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 15.0
MAX_TRIES = 3
BACKOFF_BASE_SECONDS = 0.5


class OAuthError(Exception):
    """Shopify refused or could not answer a token request.

    ``reason`` is Shopify's ``error`` code (``invalid_subject_token``, ``invalid_grant``,
    ``invalid_request``, ...) or ours (``server_error``, ``connection_error``, ``timeout``,
    ``invalid_response``); ``status`` is the HTTP status, None without an answer.
    """

    def __init__(self, reason: str, status: int | None, *, retryable: bool = False) -> None:
        where = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"Shopify token request failed: {reason} ({where})")
        self.reason = reason
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class TokenGrant:
    """An access token as granted, with aware UTC expiry times (None: does not expire)."""

    access_token: str = field(repr=False)
    scope: tuple[str, ...]
    expires_at: datetime | None
    refresh_token: str | None = field(repr=False)
    refresh_token_expires_at: datetime | None

    @classmethod
    def from_response(cls, body: Mapping[str, Any], *, now: datetime) -> TokenGrant:
        def after(seconds: Any) -> datetime | None:
            return now + timedelta(seconds=int(seconds)) if seconds is not None else None

        scope = tuple(s.strip() for s in str(body.get("scope") or "").split(",") if s.strip())
        return cls(
            access_token=str(body["access_token"]),
            scope=scope,
            expires_at=after(body.get("expires_in")),
            refresh_token=body.get("refresh_token"),
            refresh_token_expires_at=after(body.get("refresh_token_expires_in")),
        )

    def expires_within(self, margin: timedelta, *, now: datetime | None = None) -> bool:
        """True when the access token expires within ``margin`` (refresh it first)."""
        if self.expires_at is None:
            return False
        return self.expires_at - margin <= (now or datetime.now(UTC))


def exchange_code(
    settings: Settings,
    shop: str,
    code: str,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TokenGrant:
    """Trade the install callback's authorization code for an expiring offline token."""
    body = {
        "client_id": settings.api_key,
        "client_secret": settings.api_secret,
        "code": code,
        "expiring": "1",
    }
    return _request_token(settings, shop, body, "code", session=session, sleep=sleep)


def exchange_session_token(
    settings: Settings,
    shop: str,
    session_token: str,
    *,
    online: bool = False,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TokenGrant:
    """Token exchange: an App Bridge session token for an expiring offline (or online) token.

    An invalid or expired session token raises :class:`OAuthError` with reason
    ``invalid_subject_token`` and status 400.
    """
    body = {
        "client_id": settings.api_key,
        "client_secret": settings.api_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": ONLINE_TOKEN_TYPE if online else OFFLINE_TOKEN_TYPE,
        "expiring": "1",
    }
    return _request_token(
        settings, shop, body, "token_exchange", session=session, sleep=sleep, idempotent=True
    )


def refresh_access_token(
    settings: Settings,
    shop: str,
    refresh_token: str,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> TokenGrant:
    """A new token pair for a refresh token; the old refresh token is spent.

    An unknown, spent or expired refresh token raises :class:`OAuthError` with reason
    ``invalid_grant``: the merchant has to open the app again (token exchange) or reinstall.
    """
    body = {
        "client_id": settings.api_key,
        "client_secret": settings.api_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    return _request_token(settings, shop, body, "refresh", session=session, sleep=sleep)


def checked_shop_domain(shop: str) -> str:
    """The shop domain, lower-cased, or ValueError: no request is built for anything else."""
    if not is_valid_shop_domain(shop):
        raise ValueError("not a valid *.myshopify.com shop domain")
    return shop.lower()


def _request_token(
    settings: Settings,
    shop: str,
    body: Mapping[str, str],
    grant: str,
    *,
    session: requests.Session | None,
    sleep: Callable[[float], None],
    idempotent: bool = False,
) -> TokenGrant:
    url = settings.admin_base_url(checked_shop_domain(shop)) + "/admin/oauth/access_token"
    http: Any = session or requests
    failure = OAuthError("connection_error", None, retryable=True)
    for attempt in range(1, MAX_TRIES + 1):
        try:
            response = http.post(
                url,
                json=dict(body),
                headers={"Accept": "application/json"},
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
                allow_redirects=False,
            )
        except requests.ReadTimeout:
            failure = OAuthError("timeout", None, retryable=idempotent)
            if not idempotent:
                raise failure from None
        except (requests.ConnectionError, requests.Timeout):
            failure = OAuthError("connection_error", None, retryable=True)
        else:
            if response.status_code >= 500:
                failure = OAuthError("server_error", response.status_code, retryable=True)
            elif response.status_code != 200:
                raise OAuthError(_error_code(response), response.status_code) from None
            else:
                return _grant_from(response)
        log.warning(
            "Token request (%s) for %s failed: %s; try %d of %d",
            grant,
            shop,
            failure.reason,
            attempt,
            MAX_TRIES,
        )
        if attempt < MAX_TRIES:
            sleep(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    raise failure


def _error_code(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return f"http_{response.status_code}"
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        return payload["error"]
    return f"http_{response.status_code}"


def _grant_from(response: requests.Response) -> TokenGrant:
    try:
        payload = response.json()
    except ValueError:
        raise OAuthError("invalid_response", response.status_code) from None
    if not isinstance(payload, dict) or not payload.get("access_token"):
        raise OAuthError("invalid_response", response.status_code)
    return TokenGrant.from_response(payload, now=datetime.now(UTC))
