"""Early access: the app proxy's answer for a product page for members, other customers and
guests inside and outside a window, and the early access tag at the stand-in shop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta

import requests

from shopify_loyalty.perks.checkout_rule import validation_errors
from shopify_loyalty.perks.early_access import EARLY_ACCESS_TAG
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import new_id
from tests.engine.test_stamps_webhooks import paid_order
from tests.perks.conftest import (
    MerchantApi,
    customer_tags,
    moment,
    shop_state,
    widget_me,
    window_body,
)
from tests.storefront.conftest import ProxyClient


def ask(proxy: ProxyClient, customer: int | None, product: str, collections: str = "") -> dict:
    query = f"product_id={product}" + (f"&collection_ids={collections}" if collections else "")
    response = proxy.get("/api/early-access", customer, query=query)
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def test_inside_the_window_only_the_audience_may_buy(
    merchant: MerchantApi,
    proxy: ProxyClient,
    gold_member: int,
    regular_shopper: int,
    settle: Callable[..., None],
) -> None:
    created = merchant.post("/early-access", window_body())
    settle()

    assert created.status_code == 201, created.text
    assert created.json()["status"] == "open"
    member = ask(proxy, gold_member, "7001")
    assert (member["restricted"], member["allowed"], member["reason"]) == (True, True, None)
    other = ask(proxy, regular_shopper, "7001")
    assert (other["restricted"], other["allowed"], other["reason"]) == (
        True,
        False,
        "not_in_audience",
    )
    assert "selected members" in other["message"]
    guest = ask(proxy, None, "7001")
    assert (guest["allowed"], guest["reason"]) == (False, "login_required")
    assert "Sign in" in guest["message"]
    through_collection = ask(proxy, regular_shopper, "7002", "9001,9005")
    assert (through_collection["restricted"], through_collection["allowed"]) == (True, False)
    elsewhere = ask(proxy, regular_shopper, "7003", "9005")
    assert (elsewhere["restricted"], elsewhere["allowed"], elsewhere["message"]) == (
        False,
        True,
        None,
    )


def test_before_and_after_the_window_everyone_may_buy(
    merchant: MerchantApi,
    proxy: ProxyClient,
    regular_shopper: int,
    settle: Callable[..., None],
) -> None:
    coming = merchant.post(
        "/early-access",
        window_body(starts_at=moment(timedelta(days=1)), ends_at=moment(timedelta(days=2))),
    )
    open_now = merchant.post("/early-access", window_body(product_ids=["7100"]))
    settle()
    assert coming.json()["status"] == "scheduled"

    before = ask(proxy, regular_shopper, "7001")
    assert (before["restricted"], before["allowed"]) == (False, True)
    assert ask(proxy, None, "7001")["allowed"] is True

    assert ask(proxy, regular_shopper, "7100")["allowed"] is False
    ended = merchant.post(f"/early-access/{open_now.json()['id']}/end")
    settle()
    assert ended.json()["status"] == "ended"
    after = ask(proxy, regular_shopper, "7100")
    assert (after["restricted"], after["allowed"]) == (False, True)


def test_customers_in_the_audience_carry_the_early_access_tag_until_the_window_ends(
    merchant: MerchantApi,
    standin: StandinServer,
    shop: str,
    gold_member: int,
    customer_with_spend: Callable[..., int],
    paid_member: Callable[[], int],
    settle: Callable[..., None],
) -> None:
    silver = customer_with_spend("250.00")
    paying = paid_member()
    window = merchant.post("/early-access", window_body(audiences=["tier:gold", "paid_members"]))
    settle()

    state = shop_state(standin, shop)
    assert EARLY_ACCESS_TAG in customer_tags(state, gold_member)
    assert EARLY_ACCESS_TAG in customer_tags(state, paying)
    assert EARLY_ACCESS_TAG not in customer_tags(state, silver)

    merchant.post(f"/early-access/{window.json()['id']}/end")
    settle()

    state = shop_state(standin, shop)
    assert EARLY_ACCESS_TAG not in customer_tags(state, gold_member)
    assert EARLY_ACCESS_TAG not in customer_tags(state, paying)


def test_a_paid_member_may_buy_and_sees_the_window_in_the_widget(
    merchant: MerchantApi,
    proxy: ProxyClient,
    paid_member: Callable[[], int],
    settle: Callable[..., None],
) -> None:
    paying = paid_member()
    merchant.post("/early-access", window_body(audiences=["paid_members"]))
    settle()

    assert ask(proxy, paying, "7001")["allowed"] is True
    [window] = widget_me(proxy, paying)["early_access"]
    assert (window["title"], window["status"], window["product_ids"]) == (
        "Winter collection preview",
        "open",
        ["7001"],
    )


def test_a_request_without_the_proxy_signature_is_refused(
    http, shop: str, merchant: MerchantApi
) -> None:
    response = http.get(f"/proxy/api/early-access?product_id=7001&shop={shop}")

    assert response.status_code == 401


def test_bad_windows_and_questions_are_refused_naming_the_field(
    merchant: MerchantApi, proxy: ProxyClient
) -> None:
    cases = {
        "product_ids": window_body(product_ids=[], collection_ids=[]),
        "product_ids[0]": window_body(product_ids=["shoe"]),
        "audiences[0]": window_body(audiences=["everyone"]),
        "ends_at": window_body(ends_at=moment(timedelta(days=200))),
        "starts_at": window_body(starts_at="tomorrow"),
    }
    for field, body in cases.items():
        response = merchant.post("/early-access", body)
        assert response.status_code == 400, (field, response.text)
        assert response.json()["field"] == field
    question = proxy.get("/api/early-access", None, query="product_id=abc")
    assert question.status_code == 400
    assert question.json()["field"] == "product_id"


def test_the_checkout_rule_the_merchant_switched_on_gets_the_open_windows(
    merchant: MerchantApi,
    standin: StandinServer,
    shop: str,
    settle: Callable[..., None],
) -> None:
    switched_on = requests.post(
        f"{standin.url}/_standin/shops/{shop}/validations",
        json={"function_title": "Early access guard", "title": "Early access"},
        timeout=5,
    )
    switched_on.raise_for_status()
    window = merchant.post("/early-access", window_body()).json()
    merchant.post(
        "/early-access",
        window_body(
            product_ids=["8800"],
            starts_at=moment(timedelta(days=1)),
            ends_at=moment(timedelta(days=2)),
        ),
    )
    settle()

    [rule] = shop_state(standin, shop)["validations"]
    config = json.loads(rule["metafields"]["$app:loyalty.early-access"]["value"])
    variables = json.loads(rule["metafields"]["$app:loyalty.early-access-input"]["value"])
    assert config["productIds"] == ["gid://shopify/Product/7001"]
    assert variables == {"collectionIds": ["gid://shopify/Collection/9001"]}
    blocked = validation_errors(cart_of("gid://shopify/Product/7001", config))
    assert blocked and blocked[0]["target"] == "$.cart"

    merchant.post(f"/early-access/{window['id']}/end")
    settle()

    [rule] = shop_state(standin, shop)["validations"]
    config = json.loads(rule["metafields"]["$app:loyalty.early-access"]["value"])
    assert config["productIds"] == []
    assert validation_errors(cart_of("gid://shopify/Product/7001", config)) == []


def cart_of(product: str, config: dict) -> dict:
    line = {"merchandise": {"product": {"id": product, "inAnyCollection": False}}}
    return {
        "cart": {"buyerIdentity": None, "lines": [line]},
        "validation": {"metafield": {"jsonValue": config}},
    }


def test_a_customer_who_reaches_the_tier_gets_access_within_seconds(
    merchant: MerchantApi,
    proxy: ProxyClient,
    deliver: Callable[..., requests.Response],
    customer_with_spend: Callable[..., int],
    settle: Callable[..., None],
) -> None:
    climber = customer_with_spend("250.00")
    merchant.post("/early-access", window_body())
    settle()
    assert ask(proxy, climber, "7001")["allowed"] is False

    deliver("orders/paid", paid_order(climber, new_id(), subtotal="600.00"))

    deadline = time.monotonic() + 15
    while not ask(proxy, climber, "7001")["allowed"]:
        assert time.monotonic() < deadline, "the tier move never reached early access"
        time.sleep(0.5)
        settle()
