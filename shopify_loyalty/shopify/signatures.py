"""Shopify's signature rules: webhooks, OAuth callbacks, app proxy requests, shop domains.

All comparisons are constant-time. See shopify_platform.md sections 1, 3a and 4.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
PROXY_MAX_SKEW_SECONDS = 90
PROXY_SINGLE_VALUED = ("hmac", "shop", "signature", "timestamp")


def is_valid_shop_domain(shop: str | None) -> bool:
    """Shopify's anchored shop-domain rule; checked before any shopify.Session is built."""
    # fullmatch: Python's "$" also matches before a trailing newline.
    return bool(shop) and len(shop or "") <= 255 and SHOP_DOMAIN.fullmatch(shop or "") is not None


def webhook_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_webhook(body: bytes, header_value: str | None, secret: str) -> bool:
    """True when the base64 HMAC-SHA256 of the raw body matches the header."""
    if not header_value:
        return False
    expected = webhook_signature(body, secret)
    return hmac.compare_digest(expected.encode(), header_value.strip().encode())


def proxy_signature(params: Mapping[str, Sequence[str]], secret: str) -> str:
    """Hex HMAC of the sorted ``key=v1,v2`` strings joined with nothing (signature excluded)."""
    message = "".join(
        sorted(f"{key}={','.join(values)}" for key, values in params.items() if key != "signature")
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_proxy_query(query_string: str, secret: str, *, now: float | None = None) -> bool:
    """Verify an app proxy request: signature, single-valued keys and a fresh timestamp."""
    params = parse_qs(query_string, keep_blank_values=True)
    signatures = params.get("signature", [])
    if len(signatures) != 1:
        return False
    if any(len(params.get(key, [])) > 1 for key in PROXY_SINGLE_VALUED):
        return False
    # Bytes: compare_digest raises on a str that is not ASCII.
    if not hmac.compare_digest(proxy_signature(params, secret).encode(), signatures[0].encode()):
        return False
    try:
        timestamp = int(params.get("timestamp", [""])[0])
    except ValueError:
        return False
    current = time.time() if now is None else now
    return abs(current - timestamp) <= PROXY_MAX_SKEW_SECONDS
