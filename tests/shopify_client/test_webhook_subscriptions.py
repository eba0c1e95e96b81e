"""Registering the app's webhook topics is safe to repeat on every install."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from shopify_loyalty.shopify.admin_client import AdminClient
from shopify_loyalty.shopify.webhook_subscriptions import WEBHOOK_TOPICS, register_webhooks
from shopify_loyalty.standin.app import StandinServer

CALLBACK = "https://loyalty.example/webhooks"


def subscriptions(standin: StandinServer, shop: str) -> list[dict]:
    return list(standin.control.shop(shop)["webhook_subscriptions"])


def test_registering_twice_subscribes_each_topic_exactly_once(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    client = make_client()

    first = register_webhooks(client, CALLBACK)
    second = register_webhooks(client, CALLBACK)

    assert first == second
    assert len(set(first)) == len(WEBHOOK_TOPICS)
    topics = Counter(s["topic"] for s in subscriptions(standin, shop_domain))
    assert topics == Counter(t.upper().replace("/", "_") for t in WEBHOOK_TOPICS)
    assert set(topics.values()) == {1}
    assert {s["uri"] for s in subscriptions(standin, shop_domain)} == {CALLBACK}


def test_existing_subscriptions_are_kept_and_only_missing_ones_created(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    client = make_client()
    made = client.execute(
        """mutation { webhookSubscriptionCreate(topic: APP_UNINSTALLED,
             webhookSubscription: {uri: "https://loyalty.example/webhooks"}) {
             webhookSubscription { id } } }"""
    )
    existing_id = made["webhookSubscriptionCreate"]["webhookSubscription"]["id"]

    ids = register_webhooks(client, CALLBACK)

    assert ids[WEBHOOK_TOPICS.index("app/uninstalled")] == existing_id
    assert len(subscriptions(standin, shop_domain)) == len(WEBHOOK_TOPICS)


def test_a_new_callback_address_gets_its_own_subscriptions(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    client = make_client()
    register_webhooks(client, CALLBACK)

    register_webhooks(client, "https://new-home.example/webhooks")

    assert len(subscriptions(standin, shop_domain)) == 2 * len(WEBHOOK_TOPICS)
