"""The affiliate pages over HTTP with the development login: an affiliate added with its
error beside the field, a code made and paused at Shopify (the stand-in), an order through
the signed webhook showing in the ledger and the return, a payout marked once, the portal
link shown once, archiving, and another shop finding none of it. Then the same in a browser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from shopify_loyalty.admin.affiliate_pages import expiry_words
from shopify_loyalty.affiliates.models import AffiliatePayout
from shopify_loyalty.affiliates.periodic import run_periodic
from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.affiliates.conftest import buyer, paid_order
from tests.browser import screenshot_path
from tests.conftest import API_SECRET, OTHER_SHOP
from tests.live_server import LiveServer

ANNA = {
    "name": "Anna Influencer",
    "email": "anna@partners.example",
    "commission_kind": "percentage",
    "commission_value": "12.5",
    "payout_method": "paypal",
    "payout_details": "anna-payouts@partners.example",
    "shopify_customer_id": "",
}
CODE = {
    "code": "anna15",
    "discount_kind": "percentage",
    "discount_value": "15",
    "minimum_order": "40.00",
    "usage_limit": "500",
    "once_per_customer": "1",
    "ends_at": "",
    "max_orders": "",
    "max_commission": "",
}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def sign_in(http: requests.Session, shop: str) -> str:
    """Sign in with the development login; returns the CSRF token of the shop's forms."""
    assert http.post("/admin/dev-login", data={"shop": shop}).status_code == 303
    page = http.get("/admin/affiliates")
    assert page.status_code == 200, page.text[:300]
    return csrf_of(page.text)


def shop_state(standin: StandinServer, shop: str) -> dict[str, Any]:
    response = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5)
    assert response.status_code == 200
    state: dict[str, Any] = response.json()
    return state


def code_id_of(html: str, code: str) -> int:
    match = re.search(
        rf'data-code="{code}".*?action="/admin/affiliates/codes/(\d+)/(?:pause|resume)"', html, re.S
    )
    assert match, f"no pause or resume button for {code}"
    return int(match.group(1))


def cells(html: str, marker: str) -> list[str]:
    """The text of each cell of the table row carrying ``marker``."""
    row = re.search(rf"<tr[^>]*{marker}[^>]*>(.*?)</tr>", html, re.S)
    assert row, f"no row with {marker}"
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


def metric_values(html: str) -> dict[str, str]:
    pairs = re.findall(
        r'<div class="label">([^<]+)</div>\s*<div class="value">([^<]*)</div>', html, re.S
    )
    return {label.strip(): value.strip() for label, value in pairs}


@pytest.fixture
def dev_login(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    yield


@pytest.fixture
def signed_in(shop: str, http: requests.Session, dev_login: None) -> str:
    return sign_in(http, shop)


@pytest.fixture
def deliver_order(
    live: LiveServer, standin: StandinServer, shop: str, settle: Callable[[], None]
) -> Callable[[dict[str, Any]], None]:
    """A signed orders/paid webhook for the shop (recorded at the stand-in first), applied."""
    sender = WebhookSender(live.url, API_SECRET, standin_url=standin.url)

    def send(order: dict[str, Any]) -> None:
        assert sender.deliver(shop, "orders/paid", order).status_code == 200
        settle()

    return send


def add_anna(http: requests.Session, csrf: str) -> int:
    created = http.post("/admin/affiliates", data={**ANNA, "csrf_token": csrf})
    assert created.status_code == 303, created.text[:500]
    match = re.fullmatch(r"/admin/affiliates/(\d+)\?notice=created", created.headers["Location"])
    assert match, created.headers["Location"]
    return int(match.group(1))


def add_code(http: requests.Session, csrf: str, affiliate_id: int, **changes: str) -> None:
    made = http.post(
        f"/admin/affiliates/{affiliate_id}/codes", data={**CODE, **changes, "csrf_token": csrf}
    )
    assert made.status_code == 303, made.text[:500]


def test_an_affiliate_is_refused_beside_the_field_then_added_and_given_a_code_at_shopify(
    signed_in: str,
    http: requests.Session,
    standin: StandinServer,
    shop: str,
    settle: Callable[[], None],
) -> None:
    csrf = signed_in
    empty = http.get("/admin/affiliates")
    assert "No affiliates yet." in empty.text
    assert '<a href="/admin/affiliates" class="current">Affiliates</a>' in empty.text

    refused = http.post(
        "/admin/affiliates", data={**ANNA, "email": "anna-at-partners", "csrf_token": csrf}
    )
    assert refused.status_code == 400
    assert re.search(
        r'id="field-email">.*?<div class="error" id="email-error">'
        r"email must be an email address.</div>",
        refused.text,
        re.S,
    )
    assert 'value="anna-at-partners"' in refused.text  # what was typed stays
    assert 'value="Anna Influencer"' in refused.text
    assert "No affiliates yet." in refused.text

    affiliate_id = add_anna(http, csrf)
    page = http.get(f"/admin/affiliates/{affiliate_id}", params={"notice": "created"})
    assert page.status_code == 200
    assert "Anna Influencer was added." in page.text
    assert "12.50% of the order subtotal after discounts" in page.text
    assert "PayPal: anna-payouts@partners.example" in page.text

    bad_code = http.post(
        f"/admin/affiliates/{affiliate_id}/codes",
        data={**CODE, "discount_value": "0", "csrf_token": csrf},
    )
    assert bad_code.status_code == 400
    assert (
        '<div class="error" id="discount_value-error">discount_value must be from 0.01 to 100.'
        "</div>" in bad_code.text
    )
    assert 'value="anna15"' in bad_code.text
    past = http.post(
        f"/admin/affiliates/{affiliate_id}/codes",
        data={**CODE, "ends_at": "2020-01-31", "csrf_token": csrf},
    )
    assert past.status_code == 400
    assert 'id="ends_at-error">ends_at must be in the future.</div>' in past.text

    last_day = (utcnow() + timedelta(days=30)).date()
    add_code(http, csrf, affiliate_id, ends_at=last_day.isoformat())
    settle()
    [discount] = shop_state(standin, shop)["discounts"]
    assert {k: discount[k] for k in ("code", "status", "usage_limit")} == {
        "code": "ANNA15",
        "status": "ACTIVE",
        "usage_limit": 500,
    }
    assert discount["applies_once_per_customer"] is True
    assert discount["ends_at"].startswith(f"{last_day + timedelta(days=1)}T00:00:00")

    page = http.get(f"/admin/affiliates/{affiliate_id}")
    code_row = cells(page.text, 'data-code="ANNA15"')
    assert code_row[:4] == [
        "ANNA15",
        "15.00% off",
        f"Orders from 40.00 EUR Up to 500 uses Once per customer Last day {last_day} (UTC)",
        "Active",
    ]
    assert f"https://{shop}/?ref=ANNA15" in code_row[4]

    code_id = code_id_of(page.text, "ANNA15")
    paused = http.post(f"/admin/affiliates/codes/{code_id}/pause", data={"csrf_token": csrf})
    assert paused.status_code == 303
    assert paused.headers["Location"] == (
        f"/admin/affiliates/{affiliate_id}?notice=paused&code=ANNA15"
    )
    settle()
    assert [d["status"] for d in shop_state(standin, shop)["discounts"]] == ["EXPIRED"]
    after = http.get(paused.headers["Location"])
    assert "The code ANNA15 is paused" in after.text
    assert cells(after.text, 'data-code="ANNA15"')[0] == "ANNA15 Paused"
    assert cells(after.text, 'data-code="ANNA15"')[3] == "Deactivated"
    assert f'action="/admin/affiliates/codes/{code_id}/resume"' in after.text

    listing = http.get("/admin/affiliates")
    assert cells(listing.text, f'data-affiliate="{affiliate_id}"') == [
        "Anna Influencer anna@partners.example",
        "ANNA15 · paused",
        "Active",
        "0",
        "0",
        "0.00",
        "0.00",
        "0.00",
    ]

    no_token = http.post(f"/admin/affiliates/codes/{code_id}/resume", data={})
    assert (no_token.status_code, no_token.json()["field"]) == (403, "csrf")


def test_an_order_with_the_code_shows_in_the_ledger_and_the_return_and_is_paid_once(
    signed_in: str,
    http: requests.Session,
    deliver_order: Callable[[dict[str, Any]], None],
    services: Services,
    shop: str,
    settle: Callable[[], None],
) -> None:
    csrf = signed_in
    affiliate_id = add_anna(http, csrf)
    add_code(http, csrf, affiliate_id, minimum_order="")
    settle()
    assert http.get("/a/click/ANNA15", params={"shop": shop}).status_code == 302
    # 84.50 x 12.5 % = 10.5625 -> 10.56
    order = paid_order("84.50", codes=("anna15",), customer=buyer())
    deliver_order(order)

    page = http.get(f"/admin/affiliates/{affiliate_id}")
    row = cells(page.text, f'data-order="{order["id"]}"')
    assert row[1:] == [
        str(order["id"]),
        "ANNA15",
        "Code at checkout",
        "New",
        f"Pending (return window) until {(utcnow() + timedelta(days=14)).date()}",
        "84.50",
        "0.00",
        "10.56",
        "0.00",
    ]
    assert {k: v for k, v in metric_values(page.text).items() if k != "Commission paid (EUR)"} == {
        "Clicks": "1",
        "Orders": "1",
        "Revenue (EUR)": "84.50",
        "Commission owed (EUR)": "10.56",
        "New customers": "1",
        "Returning customers": "0",
    }
    listing = http.get("/admin/affiliates")
    assert cells(listing.text, f'data-affiliate="{affiliate_id}"')[3:] == [
        "1",
        "1",
        "84.50",
        "10.56",
        "0.00",
    ]
    today = utcnow().date()
    earlier = http.get(
        f"/admin/affiliates/{affiliate_id}",
        params={"from": str(today - timedelta(days=60)), "to": str(today - timedelta(days=31))},
    )
    assert metric_values(earlier.text)["Orders"] == "0"
    backwards = http.get(
        f"/admin/affiliates/{affiliate_id}", params={"from": str(today), "to": "2020-01-01"}
    )
    assert backwards.status_code == 400
    assert 'id="from-error">from must be on or before to</div>' in backwards.text

    not_yet = http.post(
        f"/admin/affiliates/{affiliate_id}/payouts",
        data={"until": str(today), "reference": "PP-1", "csrf_token": csrf},
    )
    assert not_yet.status_code == 400
    assert (
        'id="until-error">Nothing is owed to this affiliate up to that date.</div>' in not_yet.text
    )

    run_periodic(services, shop, utcnow() + timedelta(days=14, minutes=1))
    owed = http.get(f"/admin/affiliates/payouts.csv?until={today}")
    assert owed.status_code == 200
    assert owed.headers["Content-Type"].startswith("text/csv")
    assert owed.text.splitlines()[1] == (
        f"{affiliate_id},Anna Influencer,anna@partners.example,paypal,"
        f"anna-payouts@partners.example,1,10.56,EUR,{today}"
    )

    answers = [
        http.post(
            f"/admin/affiliates/{affiliate_id}/payouts",
            data={"until": str(today), "reference": "PP-1", "csrf_token": csrf},
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert "notice=paid&payout=" in answers[0].headers["Location"]
    assert "notice=already_paid&payout=" in answers[1].headers["Location"]
    with services.db.sessions() as session:
        payouts = session.scalar(select(func.count()).select_from(AffiliatePayout))
    assert payouts == 1

    paid = http.get(answers[0].headers["Location"])
    assert "Marked as paid: 10.56 EUR for 1 order up to" in paid.text
    assert cells(paid.text, f'data-order="{order["id"]}"')[-1] == "10.56"
    assert re.search(r'id="owed-now">0.00 EUR<', paid.text)
    assert metric_values(paid.text)["Commission paid (EUR)"] == "10.56"
    assert metric_values(paid.text)["Commission owed (EUR)"] == "0.00"
    again = http.get(answers[1].headers["Location"])
    assert "This payout was already marked as paid" in again.text
    assert http.get(f"/admin/affiliates/payouts.csv?until={today}").text.count("\n") == 1


def test_the_portal_link_is_shown_once_and_archiving_stops_it_and_the_codes(
    signed_in: str,
    http: requests.Session,
    standin: StandinServer,
    shop: str,
    settle: Callable[[], None],
) -> None:
    csrf = signed_in
    affiliate_id = add_anna(http, csrf)
    add_code(http, csrf, affiliate_id)
    settle()

    links = []
    for _ in range(2):
        made = http.post(f"/admin/affiliates/{affiliate_id}/portal-link", data={"csrf_token": csrf})
        assert made.status_code == 200
        assert made.headers["Cache-Control"] == "no-store"
        match = re.search(r'id="portal-link" type="text" readonly value="([^"]+)"', made.text)
        assert match
        links.append(match.group(1))
    old, new = links
    assert old != new
    assert requests.get(old, timeout=5).status_code == 404
    assert requests.get(new, timeout=5).status_code == 200
    assert new not in http.get(f"/admin/affiliates/{affiliate_id}").text

    archived = http.post(f"/admin/affiliates/{affiliate_id}/archive", data={"csrf_token": csrf})
    assert archived.status_code == 303
    settle()
    assert requests.get(new, timeout=5).status_code == 404
    assert [d["status"] for d in shop_state(standin, shop)["discounts"]] == ["EXPIRED"]
    page = http.get(archived.headers["Location"])
    assert "Anna Influencer is archived" in page.text
    assert "portal-link" not in page.text and 'id="new-code"' not in page.text
    listing = http.get("/admin/affiliates")
    assert cells(listing.text, f'data-affiliate="{affiliate_id}"')[1:3] == [
        "ANNA15 · paused",
        "Archived",
    ]


def test_another_shop_cannot_open_or_change_the_first_shops_affiliates(
    signed_in: str,
    http: requests.Session,
    install: Callable[[str], None],
    settle: Callable[[], None],
) -> None:
    affiliate_id = add_anna(http, signed_in)
    add_code(http, signed_in, affiliate_id)
    settle()
    code_id = code_id_of(http.get(f"/admin/affiliates/{affiliate_id}").text, "ANNA15")

    install(OTHER_SHOP)
    theirs = sign_in(http, OTHER_SHOP)
    assert "Anna Influencer" not in http.get("/admin/affiliates").text
    assert http.get(f"/admin/affiliates/{affiliate_id}").status_code == 404
    for path, form in [
        (f"/admin/affiliates/{affiliate_id}/codes", CODE),
        (f"/admin/affiliates/codes/{code_id}/pause", {}),
        (f"/admin/affiliates/{affiliate_id}/portal-link", {}),
        (f"/admin/affiliates/{affiliate_id}/payouts", {"until": "2030-01-01"}),
        (f"/admin/affiliates/{affiliate_id}/archive", {}),
    ]:
        response = http.post(path, data={**form, "csrf_token": theirs})
        assert (response.status_code, response.json()["error"]) == (404, "not_found"), path
    assert http.get("/admin/affiliates/payouts.csv").text.count("\n") == 1

    sign_in(http, "loyal-goods.myshopify.com")
    page = http.get(f"/admin/affiliates/{affiliate_id}")
    assert cells(page.text, 'data-code="ANNA15"')[0] == "ANNA15"  # still active, not paused
    assert "Archive Anna Influencer" in page.text


def test_adding_an_affiliate_and_a_code_in_a_browser(
    shop: str,
    live: LiveServer,
    browser: Any,
    dev_login: None,
    settle: Callable[[], None],
    standin: StandinServer,
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{live.url}/admin/dev-login")
        page.select_option("#shop", shop)
        page.click("text=Sign in")
        page.wait_for_selector("h1:has-text('Dashboard')")
        page.click("nav >> text=Affiliates")
        page.fill("#name", "Anna Influencer")
        page.fill("#email", "anna@partners")
        page.fill("#commission_value", "12.5")
        page.fill("#payout_details", "anna-payouts@partners.example")
        page.click("button:text('Add affiliate')")
        assert page.inner_text("#email-error") == "email must be an email address."
        assert page.input_value("#name") == "Anna Influencer"

        page.fill("#email", "anna@partners.example")
        page.click("button:text('Add affiliate')")
        assert "Anna Influencer was added." in page.inner_text("#notice")
        page.fill("#code", "anna15")
        page.fill("#discount_value", "15")
        page.fill("#minimum_order", "40")
        page.click("button:text('Add code')")
        assert "The code ANNA15 was added" in page.inner_text("#notice")
        settle()
        page.reload()
        assert page.inner_text("tr[data-code=ANNA15] td:nth-child(4)") == "Active"
        page.click("button:text('Make the link to send')")
        assert page.input_value("#portal-link").startswith(f"{live.url}/a/")
        page.screenshot(path=str(screenshot_path("admin-affiliates")), full_page=True)
    finally:
        page.close()
    [discount] = shop_state(standin, shop)["discounts"]
    assert (discount["code"], discount["status"]) == ("ANNA15", "ACTIVE")


def test_a_flagged_code_is_highlighted_with_its_reason_and_paused_in_one_click(
    signed_in: str,
    http: requests.Session,
    live: LiveServer,
    standin: StandinServer,
    shop: str,
    settle: Callable[[], None],
) -> None:
    csrf = signed_in
    affiliate_id = add_anna(http, csrf)
    add_code(http, csrf, affiliate_id, minimum_order="")
    settle()
    sender = WebhookSender(live.url, API_SECRET, standin_url=standin.url)
    for number in range(11):  # more than max(10, 5 x a quiet average) on one day
        order = paid_order("20.00", codes=("ANNA15",), customer=buyer(f"deal{number}@example.com"))
        assert sender.deliver(shop, "orders/paid", order).status_code == 200
    settle()

    listing = http.get("/admin/affiliates")
    today = utcnow().date()
    note = f"11 orders on {today}, above the usual 10.0 a day"
    assert f"ANNA15</a> (Anna Influencer): {note}" in listing.text
    assert re.search(rf'<tr class="flagged\s*" data-affiliate="{affiliate_id}">', listing.text)
    assert cells(listing.text, f'data-affiliate="{affiliate_id}"')[1] == "ANNA15 · flagged"

    page = http.get(f"/admin/affiliates/{affiliate_id}")
    assert cells(page.text, 'data-code="ANNA15"')[0] == f"ANNA15 Flagged {note}"
    assert re.search(r'<button type="submit" class="danger">Pause</button>', page.text)
    code_id = code_id_of(page.text, "ANNA15")
    assert (
        http.post(f"/admin/affiliates/codes/{code_id}/pause", data={"csrf_token": csrf}).status_code
        == 303
    )
    settle()
    assert [d["status"] for d in shop_state(standin, shop)["discounts"]] == ["EXPIRED"]
    assert cells(http.get(f"/admin/affiliates/{affiliate_id}").text, 'data-code="ANNA15"')[0] == (
        f"ANNA15 Flagged {note}"  # the flag stays until the merchant resumes the code
    )
    resumed = http.post(f"/admin/affiliates/codes/{code_id}/resume", data={"csrf_token": csrf})
    assert resumed.status_code == 303
    assert "flagged" not in http.get("/admin/affiliates").text.lower().split("<tbody>")[1]


def test_inside_the_shopify_admin_the_session_token_signs_the_forms_and_goes_along(
    shop: str, http: requests.Session, session_token: Callable[..., str]
) -> None:
    listing = http.get("/admin/affiliates", params={"id_token": session_token(shop)})
    assert listing.status_code == 200
    assert 'src="https://cdn.shopify.com/shopifycloud/app-bridge.js"' in listing.text
    token = session_token(shop)
    created = http.post(
        "/admin/affiliates",
        data={**ANNA, "csrf_token": csrf_of(listing.text), "id_token": token},
    )
    assert created.status_code == 303
    assert created.headers["Location"].endswith(f"?notice=created&id_token={token}")
    assert http.get(created.headers["Location"]).status_code == 200
    assert http.get("/admin/affiliates").status_code == 401


def test_a_codes_expiry_reads_as_its_last_day_or_the_moment_it_ends() -> None:
    assert expiry_words("2026-12-24T00:00:00+00:00") == "Last day 2026-12-23 (UTC)"
    assert expiry_words("2026-12-24T15:30:00+00:00") == "Ends 2026-12-24 15:30 UTC"
    assert expiry_words(None) is None
