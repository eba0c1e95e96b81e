"""A shopper tampering with the app proxy: naming another customer, racing redemptions,
spending more than they hold, and putting script into every text field that is shown back
in the widget, the merchant's admin or an email. Nothing leaks, nothing is overspent, no
script runs."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from shopify_loyalty.notifications.rendering import Frame, render_message
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import API_SECRET, new_id
from tests.engine.test_stamps_webhooks import customer_payload, paid_order, standin_discounts
from tests.hostile.conftest import bearer
from tests.live_server import LiveServer
from tests.storefront.conftest import ProxyClient
from tests.storefront.storefront_server import Storefront, StorefrontServer

Member = Callable[[int], int]
Deliver = Callable[..., requests.Response]
SCRIPT = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def reward_ids(proxy: ProxyClient) -> dict[str, int]:
    return {r["kind"]: r["id"] for r in proxy.get("/api/program").json()["rewards"]}


def test_ids_the_browser_sends_never_choose_the_shopper(
    proxy: ProxyClient, member: Member, points_of: Callable[[int], Balance]
) -> None:
    me, victim = member(300), member(700)
    named = f"customer_id={victim}&customer={victim}&id={victim}"

    mine = proxy.get("/api/me", me, query=named, headers={"X-Shopify-Customer-Id": str(victim)})
    history = proxy.get("/api/history", me, query=named)
    birthday = proxy.post(
        "/api/birthday", me, {"birthday": "1990-05-17", "customer_id": victim}, query=named
    )

    assert mine.status_code == 200 and mine.json()["points_balance"] == 300
    assert history.status_code == 200
    assert birthday.status_code == 200
    theirs = proxy.get("/api/me", victim).json()
    assert theirs["points_balance"] == 700
    assert theirs.get("birthday") in (None, {}) or "1990" not in str(theirs.get("birthday"))
    assert points_of(victim).available == 700


def test_a_shopper_cannot_spend_more_than_they_hold(
    proxy: ProxyClient,
    member: Member,
    points_of: Callable[[int], Balance],
    standin: StandinServer,
    shop: str,
) -> None:
    customer = member(999)
    rewards = reward_ids(proxy)

    response = proxy.post("/api/redeem", customer, {"reward_id": rewards["percentage"]})

    assert response.status_code == 409
    assert response.json()["needed"] == 1000 and response.json()["available"] == 999
    assert points_of(customer).available == 999
    assert standin_discounts(standin.url, shop) == []


def test_many_redemptions_racing_never_overspend(
    proxy: ProxyClient,
    member: Member,
    points_of: Callable[[int], Balance],
    standin: StandinServer,
    shop: str,
    live: LiveServer,
) -> None:
    customer = member(1000)
    rewards = reward_ids(proxy)
    choices = [rewards["fixed_amount"], rewards["percentage"]] * 4
    urls = [proxy.url("/api/redeem", customer) for _ in choices]
    answers: list[requests.Response] = []
    start = threading.Barrier(len(urls))

    def race(url: str, reward_id: int) -> None:
        client = live.client()
        start.wait()
        answers.append(client.post(url, json={"reward_id": reward_id}))

    threads = [threading.Thread(target=race, args=pair) for pair in zip(urls, choices, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [answer.json() for answer in answers if answer.status_code == 201]
    assert all(answer.status_code in (201, 409, 429) for answer in answers)
    spent = sum(body["points_spent"] for body in won)
    assert 500 <= spent <= 1000
    assert points_of(customer).available == 1000 - spent >= 0
    assert sorted(d["code"] for d in standin_discounts(standin.url, shop)) == sorted(
        body["code"] for body in won
    )


def test_script_in_a_shoppers_text_is_stored_as_text_and_escaped_in_the_admin(
    proxy: ProxyClient,
    member: Member,
    deliver: Deliver,
    http: requests.Session,
    session_token: Callable[..., str],
    shop: str,
) -> None:
    customer = new_id()
    deliver(
        "customers/create",
        {**customer_payload(customer), "first_name": SCRIPT, "last_name": "</title><b>x"},
    )
    order_id = new_id()
    deliver("orders/paid", paid_order(customer, order_id))
    deliver(
        "customers/update",
        {**customer_payload(customer), "first_name": SCRIPT, "last_name": "</title><b>x"},
    )
    answer = proxy.post(
        "/api/feedback",
        customer,
        {
            "order_id": str(order_id),
            "satisfaction": "satisfied",
            "recommendation_score": 8,
            "comment": SCRIPT,
        },
    )
    headers = bearer(session_token(shop))

    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["comment"] == SCRIPT
    for path in (f"/admin/customers/{customer}", "/admin/customers", "/admin/insights"):
        page = http.get(path, headers=headers)
        assert page.status_code == 200, path
        assert "<script>window.__pwned" not in page.text, path
        assert '<img src=x onerror="window.__pwned' not in page.text, path
        assert "</title><b>" not in page.text, path
    assert (
        "&lt;img src=x onerror=" in http.get(f"/admin/customers/{customer}", headers=headers).text
    )


def test_script_in_names_and_shop_texts_is_escaped_in_emails() -> None:
    frame = Frame(
        shop_name=SCRIPT,
        shop_url="https://loyal-goods.myshopify.com",
        accent="#000000",
        on_accent="#ffffff",
    )

    email = render_message("welcome", "en", {"points": 50, "stamps": 2}, frame, SCRIPT, None)

    assert "<script>" not in email.html
    assert "<img src=x" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "\n" not in email.subject and "\r" not in email.subject


@pytest.fixture
def storefront(live: LiveServer, shop: str) -> Iterator[StorefrontServer]:
    server = StorefrontServer(Storefront(live.url, shop, API_SECRET)).start()
    yield server
    server.stop()


def test_no_script_runs_in_the_widget_from_merchant_or_shopper_text(
    browser: Any,
    storefront: StorefrontServer,
    member: Member,
    http: requests.Session,
    session_token: Callable[..., str],
    shop: str,
) -> None:
    headers = bearer(session_token(shop))
    made = http.post(
        "/admin/api/rewards",
        json={"kind": "free_shipping", "points_cost": 100, "title": SCRIPT},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    texts = http.put(
        "/admin/api/settings/widget",
        json={"launcher_label": "Rewards <b onmouseover=window.__pwned=3>"},
        headers=headers,
    )
    assert texts.status_code in (200, 400), texts.text
    storefront.storefront.customer_id = member(600)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(storefront.url + "/")
        launcher = page.locator("#loyalty-widget button.l")
        launcher.wait_for()
        launcher.click()
        panel = page.get_by_role("dialog")
        panel.get_by_text("Your points").wait_for()
        panel.get_by_text(re.compile(re.escape("window.__pwned=2"))).first.wait_for()
        page.mouse.move(5, 5)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#loyalty-widget script, #loyalty-widget img[src='x']").count() == 0
    finally:
        context.close()
