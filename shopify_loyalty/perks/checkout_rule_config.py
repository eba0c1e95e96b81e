"""Telling the early access checkout rule which products are in an open window.

The merchant switches the "Early access guard" rule on in Shopify's checkout settings; the
app finds that validation and writes the open windows to its metafields (the rule's
product ids and message, and the collection ids as the function's input variables). Until
the merchant has switched it on there is nothing to configure, and the storefront block
and the tag are the only guard.
"""

from __future__ import annotations

import json
from typing import Any

from shopify_loyalty.shopify.admin_client import AdminClient, raise_for_user_errors

FUNCTION_TITLE = "Early access guard"
NAMESPACE = "$app:loyalty"
CONFIG_KEY = "early-access"
VARIABLES_KEY = "early-access-input"
FIND_RULES = """query { validations(first: 25) {
  nodes { id enabled shopifyFunction { title apiType } } } }"""
SET_METAFIELDS = """mutation($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { key } userErrors { field message code } } }"""


def configure_checkout_rule(
    client: AdminClient, config: dict[str, Any], variables: dict[str, Any]
) -> list[str]:
    """Write the rule's configuration to every validation running our function; returns
    their ids (empty when the merchant has not switched the rule on)."""
    nodes = (client.execute(FIND_RULES).get("validations") or {}).get("nodes") or []
    rules = [
        str(node["id"])
        for node in nodes
        if (node.get("shopifyFunction") or {}).get("title") == FUNCTION_TITLE
    ]
    for rule in rules:
        metafields = [
            {
                "ownerId": rule,
                "namespace": NAMESPACE,
                "key": key,
                "type": "json",
                "value": json.dumps(value, sort_keys=True),
            }
            for key, value in ((CONFIG_KEY, config), (VARIABLES_KEY, variables))
        ]
        raise_for_user_errors(
            client.execute(SET_METAFIELDS, {"metafields": metafields}), "metafieldsSet"
        )
    return rules
