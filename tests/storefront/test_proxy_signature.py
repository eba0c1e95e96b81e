"""The app proxy's signature check against Shopify's published vectors, good and tampered."""

from __future__ import annotations

import pytest

from shopify_loyalty.errors import Unauthorized
from shopify_loyalty.shopify.signatures import verify_proxy_query
from shopify_loyalty.storefront.proxy_auth import LoginRequired, verified_caller

SECRET = "hush"
SIGNED_AT = 1317327555
MEMBER_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
)
GUEST_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id="
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb"
)


def args_of(query: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in query.split("&"))
    return {key: value.replace("%2F", "/") for key, value in pairs}


def test_the_published_vectors_verify_while_fresh() -> None:
    assert verify_proxy_query(MEMBER_QUERY, SECRET, now=SIGNED_AT + 90)
    assert verify_proxy_query(GUEST_QUERY, SECRET, now=SIGNED_AT - 90)
    assert not verify_proxy_query(MEMBER_QUERY, SECRET, now=SIGNED_AT + 91)
    assert not verify_proxy_query(GUEST_QUERY, SECRET, now=SIGNED_AT - 91)


@pytest.mark.parametrize(
    "tampered",
    [
        MEMBER_QUERY.replace("logged_in_customer_id=1", "logged_in_customer_id=2"),
        MEMBER_QUERY.replace("logged_in_customer_id=1", "logged_in_customer_id="),
        GUEST_QUERY.replace("logged_in_customer_id=", "logged_in_customer_id=1"),
        MEMBER_QUERY.replace("extra=2", "extra=3"),
        MEMBER_QUERY.replace("shop-name", "other-shop"),
        MEMBER_QUERY.replace("timestamp=1317327555", "timestamp=1317327556"),
        MEMBER_QUERY + "&extra=4",
        MEMBER_QUERY + "&logged_in_customer_id=2",
        MEMBER_QUERY + "&shop=shop-name.myshopify.com",
        MEMBER_QUERY + "&timestamp=1317327555",
        MEMBER_QUERY
        + "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
        MEMBER_QUERY.replace("signature=4c", "signature=5c"),
        MEMBER_QUERY.split("&signature=")[0],
    ],
)
def test_any_tampering_breaks_the_signature(tampered: str) -> None:
    assert not verify_proxy_query(tampered, SECRET, now=SIGNED_AT)


def test_the_caller_is_the_signed_shop_and_shopper() -> None:
    now = SIGNED_AT + 5

    member = verified_caller(MEMBER_QUERY, args_of(MEMBER_QUERY), SECRET, now=now)
    guest = verified_caller(GUEST_QUERY, args_of(GUEST_QUERY), SECRET, now=now)

    assert (member.shop_domain, member.shopify_customer_id) == ("shop-name.myshopify.com", 1)
    assert member.path_prefix == "/apps/awesome_reviews"
    assert member.require_shopper() == 1
    assert guest.shopify_customer_id is None
    with pytest.raises(LoginRequired):
        guest.require_shopper()
    with pytest.raises(Unauthorized):
        verified_caller(MEMBER_QUERY, args_of(MEMBER_QUERY), "another-secret", now=now)
    with pytest.raises(Unauthorized):
        verified_caller(MEMBER_QUERY, args_of(MEMBER_QUERY), SECRET, now=SIGNED_AT + 91)
