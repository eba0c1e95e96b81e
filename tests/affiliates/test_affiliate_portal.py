"""The affiliate's portal by secret link: only that affiliate's figures, no customer's
personal data, a rotated link stops working; and the counted click links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from shopify_loyalty.db import utcnow
from shopify_loyalty.shopify.signatures import proxy_signature
from tests.affiliates.conftest import Api, buyer, paid_order, refund_of
from tests.browser import screenshot_path
from tests.conftest import API_SECRET

Deliver = Callable[..., requests.Response]


def portal_path(affiliate: dict[str, Any]) -> str:
    return urlsplit(affiliate["portal_url"]).path


def test_the_portal_shows_only_that_affiliates_figures_and_no_customer_data(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    http: requests.Session,
    shop: str,
    browser: Any,
    live: Any,
) -> None:
    anna = make_affiliate(name="Anna <Influencer>", commission_value="10")
    bob = make_affiliate(name="Bob Rival", email="bob@partners.example")
    make_code(anna["id"], "ANNA15")
    make_code(bob["id"], "BOB10")
    shopper = buyer("maria.keller@example.com", first_name="Maria", last_name="Keller")
    order = paid_order("84.50", codes=("ANNA15",), customer=shopper)
    deliver("orders/paid", order)
    deliver("refunds/create", refund_of(order, "4.50"))
    deliver("orders/paid", paid_order("500.00", codes=("BOB10",), customer=buyer("x@example.com")))
    assert http.get(f"/a/click/anna15?shop={shop}").status_code == 302
    assert http.get(f"/a/click/ANNA15?shop={shop}").status_code == 302

    month = utcnow().strftime("%Y-%m")
    data = http.get(portal_path(anna) + ".json")
    assert data.status_code == 200
    assert data.headers["Cache-Control"] == "no-store"
    body = data.json()
    assert body["name"] == "Anna <Influencer>"
    assert body["months"] == [
        {"month": month, "clicks": 2, "orders": 1, "revenue": "80.00", "commission": "8.00"}
    ]
    assert (body["pending"], body["approved_unpaid"], body["paid"]) == ("8.00", "0.00", "0.00")
    assert [code["code"] for code in body["codes"]] == ["ANNA15"]

    page = http.get(portal_path(anna))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert "Anna &lt;Influencer&gt;" in html and "Anna <Influencer>" not in html
    for private in ("maria.keller@example.com", "Maria", "Keller", str(order["id"]), order["name"]):
        assert private not in html, private
    for other in ("Bob Rival", "BOB10", "500.00"):
        assert other not in html, other
    assert "<script" not in html and "http://" not in html.replace(live.url, "")

    view = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        view.goto(live.url + portal_path(anna))
        rows = view.locator("table").nth(1).locator("tbody tr")
        assert rows.count() == 1
        assert rows.first.inner_text().split("\t") == [month, "2", "1", "80.00", "8.00"]
        assert view.locator("h1").inner_text() == "Anna <Influencer>"
        view.screenshot(path=str(screenshot_path("affiliate-portal")))
    finally:
        view.close()


def test_a_rotated_portal_link_stops_working_and_an_archived_affiliate_has_none(
    make_affiliate: Callable[..., dict[str, Any]], api: Api, http: requests.Session
) -> None:
    anna = make_affiliate()
    old = portal_path(anna)
    assert http.get(old).status_code == 200
    rotated = api("POST", f"/{anna['id']}/portal-link").json()
    new = portal_path(rotated)
    assert new != old
    for path in (old, old + ".json"):
        response = http.get(path)
        assert (response.status_code, response.json()["error"]) == (404, "not_found")
    assert http.get(new + ".json").json()["name"] == "Anna Influencer"
    api("DELETE", f"/{anna['id']}")
    assert http.get(new).status_code == 404
    assert http.get("/a/not-a-token").status_code == 404


def test_a_click_is_counted_and_sent_to_the_shop_with_the_code_applied(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    http: requests.Session,
    api: Api,
    shop: str,
) -> None:
    anna = make_affiliate()
    code = make_code(anna["id"], "ANNA15")
    direct = http.get(f"/a/click/anna15?shop={shop}")
    assert direct.status_code == 302
    assert (
        direct.headers["Location"] == f"https://{shop}/discount/ANNA15?redirect=%2F%3Fref%3DANNA15"
    )
    params = {
        "shop": shop,
        "path_prefix": "/apps/loyalty",
        "timestamp": str(int(utcnow().timestamp())),
        "logged_in_customer_id": "",
    }
    signed = {
        **params,
        "signature": proxy_signature({k: [v] for k, v in params.items()}, API_SECRET),
    }
    proxied = http.get("/proxy/a/click/ANNA15", params=signed)
    assert proxied.status_code == 302
    forged = http.get("/proxy/a/click/ANNA15", params={**signed, "shop": "evil.myshopify.com"})
    assert forged.status_code == 401
    assert http.get(f"/a/click/NOPE?shop={shop}").status_code == 404
    assert http.get("/a/click/ANNA15?shop=rival-goods.myshopify.com").status_code == 404

    api("POST", f"/codes/{code['id']}/pause")
    paused = http.get(f"/a/click/ANNA15?shop={shop}")
    assert (paused.status_code, paused.headers["Location"]) == (302, f"https://{shop}/")
    clicks = http.get(portal_path(anna) + ".json").json()["months"][0]["clicks"]
    assert clicks == 3
