"""The widget's ``GET /proxy/api/me`` announces member offers, with the code only for
shoppers in the offer's audiences, and the early access windows the shopper has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from shopify_loyalty.db import utcnow
from tests.conftest import new_id
from tests.engine.test_paid_membership import PRODUCT, membership_line, order_with, other_line
from tests.perks.conftest import MerchantApi, moment, offer_body, widget_me, window_body
from tests.storefront.conftest import ProxyClient


def test_members_get_the_code_and_others_only_the_announcement(
    merchant: MerchantApi,
    proxy: ProxyClient,
    gold_member: int,
    regular_shopper: int,
    settle: Callable[..., None],
) -> None:
    merchant.post("/offers", offer_body(audiences=["tier:gold"]))
    merchant.post(
        "/offers",
        offer_body(
            code="SPRING",
            title="Spring preview",
            kind="fixed_amount",
            value="10",
            starts_at=moment(timedelta(days=3)),
            ends_at=moment(timedelta(days=5)),
        ),
    )
    merchant.post("/early-access", window_body())
    settle()

    mine = widget_me(proxy, gold_member)
    theirs = widget_me(proxy, regular_shopper)

    now_offer, coming = mine["offers"]
    assert (now_offer["title"], now_offer["status"], now_offer["eligible"]) == (
        "Gold week: 20% off",
        "active",
        True,
    )
    assert (now_offer["code"], now_offer["apply_path"]) == ("GOLDWEEK", "/discount/GOLDWEEK")
    assert now_offer["headline"] == "20% off"
    assert (coming["status"], coming["eligible"], coming["code"]) == ("scheduled", True, None)
    assert [w["title"] for w in mine["early_access"]] == ["Winter collection preview"]

    assert [o["title"] for o in theirs["offers"]] == ["Gold week: 20% off", "Spring preview"]
    assert all(o["code"] is None and o["eligible"] is False for o in theirs["offers"])
    assert theirs["offers"][0]["note"] == "For selected members only"
    assert theirs["early_access"] == []


def test_an_ended_offer_leaves_the_widget(
    merchant: MerchantApi,
    proxy: ProxyClient,
    gold_member: int,
    settle: Callable[..., None],
) -> None:
    offer_id = merchant.post("/offers", offer_body(audiences=["tier:gold"])).json()["id"]
    settle()
    assert [o["code"] for o in widget_me(proxy, gold_member)["offers"]] == ["GOLDWEEK"]

    merchant.post(f"/offers/{offer_id}/end")
    settle()

    assert widget_me(proxy, gold_member)["offers"] == []


def test_offers_speak_the_shoppers_language(
    merchant: MerchantApi,
    proxy: ProxyClient,
    regular_shopper: int,
    settle: Callable[..., None],
) -> None:
    merchant.post("/offers", offer_body(kind="fixed_amount", value="5"))
    settle()

    [offer] = widget_me(proxy, regular_shopper, query="locale=de")["offers"]

    assert offer["headline"] == "5,00 EUR Rabatt"
    assert offer["note"] == "Nur für ausgewählte Mitglieder"


def test_a_shopper_who_bought_the_paid_membership_gets_the_paid_members_offer(
    merchant: MerchantApi,
    proxy: ProxyClient,
    deliver: Callable[..., object],
    settle: Callable[..., None],
) -> None:
    settings = merchant.put(
        "/settings/membership", {"product_ids": [str(PRODUCT)], "name": "VIP Club"}
    )
    assert settings.status_code == 200, settings.text
    buyer, other = new_id(), new_id()
    deliver("orders/paid", order_with(buyer, [membership_line()], utcnow()))
    deliver("orders/paid", order_with(other, [other_line()], utcnow()))
    merchant.post("/offers", offer_body(audiences=["paid_members"]))
    settle()

    [mine] = widget_me(proxy, buyer)["offers"]
    [theirs] = widget_me(proxy, other)["offers"]

    assert (mine["eligible"], mine["code"]) == (True, "GOLDWEEK")
    assert (theirs["eligible"], theirs["code"]) == (False, None)
