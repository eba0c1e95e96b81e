"""Subscribing a shop to the webhook topics the app needs, safely on every (re)install.

Compliance topics are declared in ``shopify.app.toml``; these are the shop-specific ones,
created with ``webhookSubscriptionCreate``. Registration lists what exists first and creates
only what is missing; Shopify's "Address for this topic has already been taken" (another
process got there first) counts as success. Running it twice never duplicates.
"""

from __future__ import annotations

from typing import Any

from shopify_loyalty.shopify.admin_client import AdminClient, AdminUserError, raise_for_user_errors

WEBHOOK_TOPICS = (
    "orders/paid",
    "orders/cancelled",
    "refunds/create",
    "customers/create",
    "customers/update",
    "customers/delete",
    # Since API version 2025-01 the email marketing consent arrives only on this topic.
    "customers_email_marketing_consent/update",
    "app/uninstalled",
)
ALREADY_TAKEN = "already been taken"

LIST_SUBSCRIPTIONS = """
query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 100, after: $after) {
    nodes {
      id
      topic
      uri
      endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

CREATE_SUBSCRIPTION = """
mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!
) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""


def topic_enum(topic: str) -> str:
    """``orders/paid`` -> ``ORDERS_PAID`` (the WebhookSubscriptionTopic enum)."""
    return topic.upper().replace("/", "_")


def _address(node: dict[str, Any]) -> str | None:
    endpoint = node.get("endpoint") or {}
    return node.get("uri") or endpoint.get("callbackUrl")


def existing_subscriptions(client: AdminClient) -> dict[tuple[str, str], str]:
    """All of the shop's subscriptions for this app: ``(topic enum, address) -> id``."""
    found: dict[tuple[str, str], str] = {}
    after: str | None = None
    while True:
        data = client.execute(LIST_SUBSCRIPTIONS, {"after": after})
        page = data["webhookSubscriptions"]
        for node in page["nodes"]:
            address = _address(node)
            if address:
                found[(node["topic"], address)] = node["id"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def register_webhooks(client: AdminClient, callback_url: str) -> list[str]:
    """Make sure each of :data:`WEBHOOK_TOPICS` delivers to ``callback_url``; return the
    subscription ids in topic order. Existing subscriptions are kept, never duplicated.
    """
    existing = existing_subscriptions(client)
    ids: list[str] = []
    for topic in WEBHOOK_TOPICS:
        key = (topic_enum(topic), callback_url)
        if key in existing:
            ids.append(existing[key])
            continue
        data = client.execute(
            CREATE_SUBSCRIPTION,
            {"topic": key[0], "subscription": {"uri": callback_url, "format": "JSON"}},
        )
        payload = data.get("webhookSubscriptionCreate") or {}
        errors = payload.get("userErrors") or []
        if errors and all(ALREADY_TAKEN in str(e.get("message", "")) for e in errors):
            existing = existing_subscriptions(client)
            if key not in existing:
                raise AdminUserError(errors, "webhookSubscriptionCreate")
            ids.append(existing[key])
            continue
        created = raise_for_user_errors(data, "webhookSubscriptionCreate")
        ids.append(created["webhookSubscription"]["id"])
    return ids
