"""The app proxy routes over HTTP with Shopify's signatures, the real database and the
stand-in shop: who may call them, what they show, and what they refuse."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from shopify_loyalty.points.ledger import Balance
from tests.conftest import API_SECRET, OTHER_SHOP, SHOP, new_id
from tests.engine.test_stamps_webhooks import CODE_PATTERN, paid_order, standin_discounts
from tests.storefront.conftest import ProxyClient
from tests.storefront.signing import signed_query

Deliver = Callable[..., requests.Response]
Member = Callable[[int], int]

LOGIN_REQUIRED = {
    "error": "login_required",
    "message": "Sign in to your customer account to see your points.",
    "field": None,
}


def reward_ids(proxy: ProxyClient) -> dict[str, int]:
    rewards = proxy.get("/api/program").json()["rewards"]
    return {reward["kind"]: reward["id"] for reward in rewards}


def test_the_program_is_public_and_in_the_shops_language(proxy: ProxyClient) -> None:
    response = proxy.get("/api/program", query="locale=de-DE")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert body["locale"] == "de"
    assert body["earn"] == [
        {"kind": "per_unit", "text": "10 Punkte für jeden Einkauf von 10,00 EUR"},
        {"kind": "signup", "text": "100 Punkte für dein Kundenkonto"},
        {"kind": "birthday", "text": "100 Punkte zu deinem Geburtstag"},
        {"kind": "feedback", "text": "25 Punkte für deine Meinung zu einer Bestellung"},
        {
            "kind": "referral",
            "text": "500 Punkte für jede Freundin und jeden Freund, die du wirbst",
        },
    ]
    assert body["stamps"] == {
        "enabled": True,
        "card_size": 10,
        "head_start": 2,
        "reward": "15 % Rabatt",
    }
    assert body["tiers"]["levels"] == [
        {
            "name": "Silver",
            "threshold": "250,00 EUR",
            "discount_percent": "5",
            "free_shipping": False,
        },
        {
            "name": "Gold",
            "threshold": "750,00 EUR",
            "discount_percent": "10",
            "free_shipping": True,
        },
    ]
    assert [(r["title"], r["points_cost"]) for r in body["rewards"]] == [
        ("Kostenloser Versand", 300),
        ("5,00 EUR Rabatt", 500),
        ("10 % Rabatt", 1000),
    ]
    assert body["referrals"] == {
        "enabled": True,
        "friend_discount": "10 % Rabatt",
        "referrer_points": 500,
    }
    assert body["terms"] == [
        "Punkte aus einer Bestellung sind 14 Tage nach der Zahlung einlösbar.",
        "Bei Rücksendung oder Stornierung werden Punkte und Stempel zurückgebucht.",
        "Punkte verfallen nicht.",
        "Prämiencodes gelten einmal und nur für dich.",
    ]
    assert body["appearance"] == {
        "accent_color": "#1f5f4a",
        "accent_text_color": "#ffffff",
        "background_color": "#ffffff",
        "text_color": "#1a1a1a",
        "position": "bottom-right",
        "launcher_label": "Prämien",
    }
    assert body["texts"]["redeem"] == "Einlösen"


def test_an_unknown_language_falls_back_to_english(proxy: ProxyClient) -> None:
    body = proxy.get("/api/program", query="locale=pt-BR").json()

    assert body["locale"] == "en"
    assert body["texts"]["redeem"] == "Redeem"
    assert body["earn"][0] == {
        "kind": "per_unit",
        "text": "10 points for every 10.00 EUR you spend",
    }


def test_requests_not_signed_by_the_proxy_just_now_are_refused(
    http: requests.Session, shop: str, member: Member
) -> None:
    customer = member(0)
    good = signed_query(API_SECRET, shop, customer)
    refusals = {
        "no signature": re.sub(r"&signature=[0-9a-f]+", "", good),
        "another shopper": good.replace(
            f"logged_in_customer_id={customer}", f"logged_in_customer_id={customer + 1}"
        ),
        "a second shop": good + "&shop=rival-goods.myshopify.com",
        "a stale timestamp": signed_query(
            API_SECRET, shop, customer, timestamp=int(time.time()) - 91
        ),
        # Well past the 90 s window: the request takes time to arrive (the exact boundary is
        # tested against a fixed clock in test_proxy_signature).
        "a future timestamp": signed_query(
            API_SECRET, shop, customer, timestamp=int(time.time()) + 120
        ),
        "the wrong secret": signed_query("not-the-secret", shop, customer),
    }
    for case, query in refusals.items():
        response = http.get(f"/proxy/api/me?{query}")
        assert response.status_code == 401, case
        assert response.json()["error"] == "invalid_signature", case

    assert http.get(f"/proxy/api/me?{good}").status_code == 200


def test_guests_must_sign_in_for_their_own_routes(proxy: ProxyClient) -> None:
    for response in (
        proxy.get("/api/me"),
        proxy.get("/api/history"),
        proxy.post("/api/redeem", None, {"reward_id": 1}),
        proxy.post("/api/birthday", None, {"birthday": "1990-05-17"}),
        proxy.post("/api/feedback", None, {"order_id": "1"}),
    ):
        assert response.status_code == 401
        assert response.json() == LOGIN_REQUIRED


def test_a_shop_without_the_app_is_not_found(http: requests.Session) -> None:
    query = signed_query(API_SECRET, "never-installed.myshopify.com", None)

    response = http.get(f"/proxy/api/program?{query}")

    assert response.status_code == 404
    assert response.json()["error"] == "shop_not_found"


def test_a_member_sees_their_own_record(
    proxy: ProxyClient, member: Member, deliver: Deliver
) -> None:
    customer = member(600)
    order_id = new_id()
    deliver("orders/paid", paid_order(customer, order_id, subtotal="40.00"))

    response = proxy.get("/api/me", customer)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["points_balance"], body["points_pending"]) == (600, 40)
    assert body["stamps"] == {"collected": 3, "required": 10, "head_start": 2, "completed_cards": 0}
    assert body["tier"] == {
        "name": None,
        "next": "Silver",
        "progress": 0.16,
        "to_next": "210.00 EUR",
    }
    assert [(r["title"], r["affordable"]) for r in body["rewards"]] == [
        ("Free shipping", True),
        ("5.00 EUR off", True),
        ("10% off", False),
    ]
    code = body["referral"]["code"]
    assert body["referral"]["link"] == f"https://{SHOP}/apps/loyalty/r/{code}"
    assert body["birthday"] is None
    assert body["feedback_orders"] == [{"order_id": str(order_id), "name": f"#{order_id % 100000}"}]
    assert [(row["points"], row["label"], row["pending"]) for row in body["history"]] == [
        (40, "Order", True),
        (500, "Adjustment", False),
        (100, "Welcome bonus", False),
    ]
    assert body["codes"] == []


def test_a_shopper_we_have_not_seen_yet_starts_empty(proxy: ProxyClient) -> None:
    customer = new_id()

    body = proxy.get("/api/me", customer).json()

    assert (body["points_balance"], body["points_pending"]) == (0, 0)
    assert body["stamps"]["collected"] == 0
    assert body["history"] == []


def test_a_redemption_gives_a_code_for_the_signed_in_shopper_only(
    proxy: ProxyClient,
    member: Member,
    points_of: Callable[[int], Balance],
    standin: Any,
    shop: str,
) -> None:
    customer = member(600)
    other = member(600)
    fixed = reward_ids(proxy)["fixed_amount"]

    # Ids the browser sends are never the shopper: only the signed logged_in_customer_id is.
    response = proxy.post(
        "/api/redeem",
        customer,
        {"reward_id": fixed, "customer_id": other, "logged_in_customer_id": other},
        query=f"customer_id={other}",
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(CODE_PATTERN, body["code"])
    assert body["apply_path"] == f"/discount/{body['code']}"
    assert body["title"] == "5.00 EUR off"
    assert body["points_spent"] == 500
    assert points_of(customer).available == 100
    assert points_of(other).available == 600
    [discount] = standin_discounts(standin.url, shop)
    assert discount["code"] == body["code"]
    assert discount["context"] == {"customers": [f"gid://shopify/Customer/{customer}"]}
    me = proxy.get("/api/me", customer).json()
    assert [c["code"] for c in me["codes"]] == [body["code"]]
    assert me["history"][0]["label"] == "Reward redeemed"


def test_a_redemption_over_the_balance_is_refused_with_the_numbers(
    proxy: ProxyClient, member: Member, points_of: Callable[[int], Balance]
) -> None:
    customer = member(450)

    response = proxy.post("/api/redeem", customer, {"reward_id": reward_ids(proxy)["fixed_amount"]})

    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_points",
        "message": "500 points are needed but only 450 are available.",
        "field": "points",
        "needed": 500,
        "available": 450,
    }
    assert points_of(customer).available == 450


def test_redemptions_racing_for_the_same_points_cannot_both_win(
    proxy: ProxyClient, member: Member, points_of: Callable[[int], Balance], live: Any
) -> None:
    customer = member(500)
    fixed = reward_ids(proxy)["fixed_amount"]
    urls = [proxy.url("/api/redeem", customer) for _ in range(4)]
    statuses: list[int] = []
    start = threading.Barrier(len(urls))

    def race(url: str) -> None:
        client = live.client()
        start.wait()
        statuses.append(client.post(url, json={"reward_id": fixed}).status_code)

    threads = [threading.Thread(target=race, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201, 409, 409, 409]
    assert points_of(customer).available == 0


def test_unusable_requests_name_the_field(proxy: ProxyClient, member: Member) -> None:
    customer = member(0)

    assert proxy.post("/api/redeem", customer, {"reward_id": "ten"}).json()["field"] == "reward_id"
    assert proxy.post("/api/redeem", customer, [1]).status_code == 400
    assert proxy.post("/api/redeem", customer, {"reward_id": 99999}).status_code == 404
    birthday = proxy.post("/api/birthday", customer, {"birthday": "17.05.1990"})
    assert (birthday.status_code, birthday.json()["field"]) == (400, "birthday")
    future = proxy.post("/api/birthday", customer, {"birthday": "2999-01-01"})
    assert future.json()["message"] == "birthday cannot be in the future"
    history = proxy.get("/api/history", customer, query="limit=500")
    assert (history.status_code, history.json()["field"]) == (400, "limit")


def test_a_birthday_is_stored_once_and_shown(proxy: ProxyClient, member: Member) -> None:
    customer = member(0)

    response = proxy.post("/api/birthday", customer, {"birthday": "1990-05-17"})

    assert response.status_code == 200
    assert response.json() == {"birthday": "1990-05-17"}
    assert proxy.get("/api/me", customer).json()["birthday"] == "1990-05-17"


def test_feedback_is_stored_as_text_and_earns_the_bonus_once(
    proxy: ProxyClient, member: Member, deliver: Deliver, points_of: Callable[[int], Balance]
) -> None:
    customer = member(0)
    order_id = new_id()
    deliver("orders/paid", paid_order(customer, order_id))
    comment = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'

    response = proxy.post(
        "/api/feedback",
        customer,
        {
            "order_id": str(order_id),
            "satisfaction": "very_satisfied",
            "recommendation_score": 9,
            "comment": comment,
        },
    )

    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "order_id": str(order_id),
        "satisfaction": "very_satisfied",
        "recommendation_score": 9,
        "comment": comment,
    }
    me = proxy.get("/api/me", customer).json()
    assert me["feedback_orders"] == []
    assert me["history"][0]["label"] == "Feedback bonus"
    again = proxy.post(
        "/api/feedback",
        customer,
        {"order_id": order_id, "satisfaction": "satisfied", "recommendation_score": 5},
    )
    assert (again.status_code, again.json()["error"]) == (409, "already_answered")


def test_feedback_on_another_shoppers_order_is_not_found(
    proxy: ProxyClient, member: Member, deliver: Deliver
) -> None:
    buyer, stranger = member(0), member(0)
    order_id = new_id()
    deliver("orders/paid", paid_order(buyer, order_id))

    response = proxy.post(
        "/api/feedback",
        stranger,
        {"order_id": order_id, "satisfaction": "satisfied", "recommendation_score": 7},
    )

    assert (response.status_code, response.json()["field"]) == (404, "order_id")


def test_history_pages_the_ledger(proxy: ProxyClient, member: Member) -> None:
    customer = member(300)

    body = proxy.get("/api/history", customer, query="limit=1").json()

    assert [(row["points"], row["label"]) for row in body["history"]] == [(200, "Adjustment")]


def test_a_referral_link_lands_in_the_shop_with_the_friend_code(
    proxy: ProxyClient, member: Member
) -> None:
    code = proxy.get("/api/me", member(0)).json()["referral"]["code"]

    response = proxy.get(f"/r/{code.lower()}")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/discount/FRIEND-{code}?redirect=%2F%3Fref%3D{code}"
    unknown = proxy.get("/r/NOSUCHCODE")
    assert (unknown.status_code, unknown.headers["Location"]) == (302, "/")


def test_a_second_shop_sees_none_of_the_first_shops_members(
    http: requests.Session,
    proxy: ProxyClient,
    member: Member,
    install: Callable[[str], None],
) -> None:
    customer = member(600)
    code = proxy.get("/api/me", customer).json()["referral"]["code"]
    fixed = reward_ids(proxy)["fixed_amount"]
    install(OTHER_SHOP)
    rival = ProxyClient(http, OTHER_SHOP)

    me = rival.get("/api/me", customer).json()
    redeem = rival.post("/api/redeem", customer, {"reward_id": fixed})
    landing = rival.get(f"/r/{code}")

    assert (me["points_balance"], me["history"], me["codes"]) == (0, [], [])
    assert me["referral"]["code"] != code
    assert redeem.status_code == 404
    assert (landing.status_code, landing.headers["Location"]) == (302, "/")
    assert proxy.get("/api/me", customer).json()["points_balance"] == 600


def test_the_widget_file_is_served_as_shipped_in_the_extension(
    http: requests.Session,
) -> None:
    from shopify_loyalty.storefront.widget_file import widget_path

    response = http.get("/widget.js")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.content == widget_path().read_bytes()
    assert widget_path().parent.parent.name == "loyalty-widget"
    again = http.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/api/program", "/api/me"])
def test_proxy_answers_are_json_even_for_errors(http: requests.Session, path: str) -> None:
    response = http.get(f"/proxy{path}")

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
