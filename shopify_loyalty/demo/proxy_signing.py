"""Signing requests exactly as Shopify's app proxy does (the demo storefront and tests)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from shopify_loyalty.shopify.signatures import proxy_signature

PATH_PREFIX = "/apps/loyalty"


def signed_query(
    secret: str,
    shop: str,
    customer_id: int | None,
    query: str = "",
    *,
    timestamp: int | None = None,
) -> str:
    """The shopper's own query plus what the proxy adds (``shop``, ``logged_in_customer_id``,
    ``path_prefix``, ``timestamp``) and the ``signature`` over all of it."""
    params: dict[str, list[str]] = parse_qs(query, keep_blank_values=True)
    for added in ("shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"):
        params.pop(added, None)
    params["shop"] = [shop]
    params["logged_in_customer_id"] = [str(customer_id) if customer_id is not None else ""]
    params["path_prefix"] = [PATH_PREFIX]
    params["timestamp"] = [str(int(time.time()) if timestamp is None else timestamp)]
    return _encode(params, proxy_signature(params, secret))


def _encode(params: Mapping[str, Sequence[str]], signature: str) -> str:
    return urlencode([*((k, v) for k, vs in params.items() for v in vs), ("signature", signature)])
