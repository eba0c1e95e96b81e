"""Mint App Bridge session tokens, as the Shopify admin does for an embedded app.

A session token is an HS256 JWT signed with the app's secret, lifetime one minute, with the
claims ``iss`` (``https://<shop>/admin``), ``dest`` (``https://<shop>``), ``aud`` (the API
key), ``sub`` (the staff user), ``exp``, ``nbf``, ``iat``, ``jti`` and ``sid``
(shopify_platform.md section 3b).
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime
from typing import Any

import jwt

SESSION_TOKEN_LIFETIME_SECONDS = 60


def mint_session_token(
    shop: str,
    api_key: str,
    api_secret: str,
    *,
    user_id: str = "1",
    lifetime: int = SESSION_TOKEN_LIFETIME_SECONDS,
    now: float | datetime | None = None,
    **overrides: Any,
) -> str:
    """A signed session token for ``shop``; ``overrides`` replace claims (None removes one).

    ``now`` (epoch seconds or an aware datetime) lets tests mint tokens that are already
    expired or not yet valid.
    """
    if isinstance(now, datetime):
        issued = int(now.timestamp())
    else:
        issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user_id,
        "exp": issued + lifetime,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": secrets.token_hex(16),
    }
    for claim, value in overrides.items():
        if value is None:
            claims.pop(claim, None)
        else:
            claims[claim] = value
    return jwt.encode(claims, api_secret, algorithm="HS256")
