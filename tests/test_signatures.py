"""Shopify's signature rules, checked against the published test vectors."""

from __future__ import annotations

import shopify

from shopify_loyalty.shopify.signatures import (
    is_valid_shop_domain,
    proxy_signature,
    verify_proxy_query,
    verify_webhook,
    webhook_signature,
)

PROXY_PARAMS = {
    "extra": ["1", "2"],
    "logged_in_customer_id": ["1"],
    "path_prefix": ["/apps/awesome_reviews"],
    "shop": ["shop-name.myshopify.com"],
    "timestamp": ["1317327555"],
}


def test_proxy_signature_matches_the_published_vector() -> None:
    assert proxy_signature(PROXY_PARAMS, "hush") == (
        "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
    )
    guest = {**PROXY_PARAMS, "logged_in_customer_id": [""]}
    assert proxy_signature(guest, "hush") == (
        "e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb"
    )


def test_a_proxy_query_is_accepted_only_fresh_and_untampered() -> None:
    query = (
        "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
        "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
        "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
    )
    assert verify_proxy_query(query, "hush", now=1317327555 + 30)
    assert not verify_proxy_query(query, "hush", now=1317327555 + 91)
    assert not verify_proxy_query(
        query.replace("logged_in_customer_id=1", "logged_in_customer_id=2"), "hush", now=1317327555
    )
    assert not verify_proxy_query(query + "&shop=other.myshopify.com", "hush", now=1317327555)


def test_oauth_hmac_matches_the_published_vector() -> None:
    shopify.Session.setup(api_key="key", secret="hush")
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "state": "0.6784241404160823",
        "timestamp": "1337178173",
    }
    assert shopify.Session.calculate_hmac(params) == (
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    )


def test_webhook_signature_is_verified_in_constant_time_over_the_raw_body() -> None:
    body = b'{"id": 1}'
    good = webhook_signature(body, "secret")
    assert verify_webhook(body, good, "secret")
    assert not verify_webhook(body + b"\n", good, "secret")
    assert not verify_webhook(body, None, "secret")
    assert not verify_webhook(body, good, "other")


def test_shop_domains_follow_shopifys_anchored_rule() -> None:
    assert is_valid_shop_domain("loyal-goods.myshopify.com")
    assert is_valid_shop_domain("Loyal9.myshopify.com")
    for bad in (
        "evil.com",
        "-a.myshopify.com",
        "a.myshopify.com.evil.com",
        "a_b.myshopify.com",
        "a.myshopify.com/",
        "a.myshopify.com\n",
        "",
        None,
    ):
        assert not is_valid_shop_domain(bad)
