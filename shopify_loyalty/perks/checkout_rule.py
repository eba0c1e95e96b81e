"""The early access rule at checkout, as the checkout validation function applies it.

``extensions/early-access-guard`` runs at Shopify on every cart: when the buyer is not a
signed-in customer with the ``loyalty-early-access`` tag and a line's product is in an open
window (by id, or by a collection Shopify reports through ``inAnyCollection``), checkout is
refused with one error on the cart. :func:`function_config` is what the app writes to the
validation's metafields; :func:`validation_errors` is the same rule in Python, tested
against the JavaScript on the same inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from shopify_loyalty.perks.early_access import split_ids
from shopify_loyalty.perks.models import EarlyAccessWindow

DEFAULT_MESSAGE = "Some items in your cart are in early access for selected members only."


def function_config(
    windows: Iterable[EarlyAccessWindow], now: datetime, message: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The validation's ``early-access`` metafield and its input variables metafield, for
    the windows open at ``now``."""
    products: list[str] = []
    collections: list[str] = []
    for window in windows:
        if window.ended_at is not None or not window.starts_at <= now < window.ends_at:
            continue
        products += [f"gid://shopify/Product/{i}" for i in split_ids(window.product_ids)]
        collections += [f"gid://shopify/Collection/{i}" for i in split_ids(window.collection_ids)]
    config = {"productIds": sorted(set(products)), "message": message or DEFAULT_MESSAGE}
    return config, {"collectionIds": sorted(set(collections))}


def validation_errors(function_input: dict[str, Any]) -> list[dict[str, str]]:
    """The errors the function returns for this input (empty: checkout may go on)."""
    metafield = (function_input.get("validation") or {}).get("metafield") or {}
    config = metafield.get("jsonValue") or {}
    products = set(config.get("productIds") or [])
    cart = function_input["cart"]
    customer = (cart.get("buyerIdentity") or {}).get("customer")
    if customer and customer.get("hasAnyTag"):
        return []
    for line in cart.get("lines") or []:
        product = (line.get("merchandise") or {}).get("product")
        if product and (product.get("id") in products or product.get("inAnyCollection") is True):
            return [{"message": config.get("message") or DEFAULT_MESSAGE, "target": "$.cart"}]
    return []
