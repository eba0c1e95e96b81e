"""The perks admin page: offers and windows added and ended through forms, errors beside
their field, and the early access figures on the page and on the insights page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from shopify_loyalty.db import utcnow
from shopify_loyalty.standin.app import StandinServer
from tests.admin.signed_in import csrf_of, sign_in
from tests.live_server import LiveServer
from tests.perks.conftest import MerchantApi, discount_with_code, shop_state, window_body


def local(delta: timedelta) -> str:
    return (utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def browser_session(
    live: LiveServer, shop: str, monkeypatch: pytest.MonkeyPatch
) -> requests.Session:
    return sign_in(live, shop, monkeypatch)


def test_the_page_is_in_the_nav_and_adds_and_ends_an_offer(
    browser_session: requests.Session,
    standin: StandinServer,
    shop: str,
    merchant: MerchantApi,
    settle: Callable[..., None],
) -> None:
    page = browser_session.get("/admin/perks")
    assert page.status_code == 200, page.text[:300]
    assert 'href="/admin/perks"' in browser_session.get("/admin").text

    added = browser_session.post(
        "/admin/perks/offers",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "VIP flash sale",
            "code": "vipflash",
            "kind": "percentage",
            "value": "15",
            "audiences": ["tier:gold", "segment:champions"],
            "ends_at": local(timedelta(days=2)),
        },
    )
    settle()

    assert added.status_code == 303, added.text[:500]
    assert "Offer saved" in browser_session.get(added.headers["Location"]).text
    [offer] = merchant.get("/offers").json()["offers"]
    assert (offer["code"], offer["audiences"]) == ("VIPFLASH", ["tier:gold", "segment:champions"])
    assert discount_with_code(shop_state(standin, shop), "VIPFLASH")["status"] == "ACTIVE"

    listed = browser_session.get("/admin/perks").text
    end_action = re.search(r'action="(/admin/perks/offers/\d+/end)"', listed)
    assert end_action
    ended = browser_session.post(end_action.group(1), data={"csrf_token": csrf_of(listed)})
    settle()
    assert ended.status_code == 303
    assert "Offer ended" in browser_session.get(ended.headers["Location"]).text
    assert discount_with_code(shop_state(standin, shop), "VIPFLASH")["status"] == "EXPIRED"


def test_a_refused_value_is_shown_beside_its_field_and_nothing_is_stored(
    browser_session: requests.Session, merchant: MerchantApi
) -> None:
    page = browser_session.get("/admin/perks")

    refused = browser_session.post(
        "/admin/perks/offers",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "Too generous",
            "kind": "percentage",
            "value": "120",
            "audiences": ["tier:gold"],
            "ends_at": local(timedelta(days=2)),
        },
    )
    no_audience = browser_session.post(
        "/admin/perks/early-access",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "Preview",
            "product_ids": "7001",
            "starts_at": local(timedelta(hours=-1)),
            "ends_at": local(timedelta(days=1)),
        },
    )

    assert refused.status_code == 400
    assert re.search(
        r'id="offer-value-error">value must be a percentage from 1 to 100', refused.text
    )
    assert 'value="Too generous"' in refused.text
    assert no_audience.status_code == 400
    assert 'id="window-audiences-error"' in no_audience.text
    assert merchant.get("/offers").json()["offers"] == []
    assert merchant.get("/early-access").json()["windows"] == []


def test_a_form_without_its_csrf_token_is_refused(browser_session: requests.Session) -> None:
    response = browser_session.post("/admin/perks/offers", data={"title": "x"})

    assert response.status_code == 403


def test_the_window_form_and_the_insights_pages_show_early_access(
    browser_session: requests.Session,
    merchant: MerchantApi,
    settle: Callable[..., None],
) -> None:
    page = browser_session.get("/admin/perks")
    added = browser_session.post(
        "/admin/perks/early-access",
        data={
            "csrf_token": csrf_of(page.text),
            "title": "Spring drop",
            "product_ids": "7001, 7002",
            "audiences": ["tier:gold", "paid_members"],
            "starts_at": local(timedelta(minutes=-5)),
            "ends_at": local(timedelta(days=1)),
        },
    )
    settle()

    assert added.status_code == 303, added.text[:500]
    [window] = merchant.get("/early-access").json()["windows"]
    assert (window["product_ids"], window["status"]) == (["7001", "7002"], "open")
    insights = browser_session.get("/admin/insights").text
    assert 'id="early-access-insights"' in insights
    assert "Spring drop" in insights
    assert "Spring drop" in browser_session.get("/admin/perks").text
    assert merchant.post("/early-access", window_body()).status_code == 201
