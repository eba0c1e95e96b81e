"""The admin pages over HTTP: signed in by session token (as inside the Shopify admin), CSRF
on every form, server-side validation with the error beside its field, and the development
login that is off unless switched on."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import requests

from tests.admin.history import History

PAGES = (
    "/admin",
    "/admin/settings",
    "/admin/settings/points",
    "/admin/customers",
    "/admin/insights",
    "/admin/data",
)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the form has no CSRF token"
    return match.group(1)


def test_every_page_opens_with_a_session_token_and_not_without(
    shop: str, http: requests.Session, session_token: Callable[..., str]
) -> None:
    for path in PAGES:
        response = http.get(path, params={"id_token": session_token(shop)})
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert 'src="https://cdn.shopify.com/shopifycloud/app-bridge.js"' in response.text
        assert http.get(path).status_code == 401


def test_a_page_opened_from_the_shopify_admin_without_a_token_bounces_through_app_bridge(
    shop: str, http: requests.Session
) -> None:
    response = http.get("/admin/insights", params={"shop": shop, "host": "YWRtaW4"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/session-token?shop=")
    assert "shopify-reload=" in response.headers["Location"]
    bounce = http.get(response.headers["Location"])
    assert bounce.status_code == 200
    assert '<meta name="shopify-api-key" content="test-api-key">' in bounce.text


def test_a_setting_is_saved_and_a_bad_value_is_refused_beside_its_field(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    admin_headers: dict[str, str],
) -> None:
    page = http.get("/admin/settings/points", params={"id_token": session_token(shop)})
    form = {
        "csrf_token": csrf_of(page.text),
        "id_token": session_token(shop),
        "points_per_currency_unit": "2",
        "points_per_order": "0",
        "pending_days": "21",
        "signup_bonus": "150",
        "birthday_bonus": "100",
        "birthday_notice_days": "30",
        "anniversary_bonus": "50",
        "feedback_bonus": "25",
        "expiry_months": "0",
        "expiry_notice_days": "30",
    }
    fields = re.findall(r'id="field-([a-z_]+)"', page.text)
    form = {k: v for k, v in form.items() if k in fields or k in ("csrf_token", "id_token")}
    for name in fields:
        shown = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text)
        assert shown is not None, name
        form.setdefault(name, shown.group(1))
    saved = http.post("/admin/settings/points", data=form)
    assert saved.status_code == 200, saved.text[:500]
    assert "Saved." in saved.text
    stored = http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"]
    assert (stored["pending_days"], stored["signup_bonus"]) == (21, 150)

    refused = http.post(
        "/admin/settings/points",
        data={**form, "id_token": session_token(shop), "pending_days": "999"},
    )
    assert refused.status_code == 400
    assert re.search(
        r'id="field-pending_days">.*?<div class="error" id="pending_days-error">'
        r"pending_days must be a whole number from 0 to 365</div>",
        refused.text,
        re.S,
    )
    assert 'value="999"' in refused.text  # what the merchant typed stays in the field
    assert (
        http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"][
            "pending_days"
        ]
        == 21
    )

    typed = http.post(
        "/admin/settings/points",
        data={**form, "id_token": session_token(shop), "signup_bonus": "lots"},
    )
    assert typed.status_code == 400
    assert 'id="signup_bonus-error">signup_bonus must be a whole number</div>' in typed.text


def test_a_form_without_its_csrf_token_is_refused(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    admin_headers: dict[str, str],
) -> None:
    response = http.post(
        "/admin/settings/points", data={"id_token": session_token(shop), "pending_days": "3"}
    )
    assert response.status_code == 403
    assert response.json()["field"] == "csrf"
    stored = http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"]
    assert stored["pending_days"] == 14


def test_customers_are_found_and_adjusted_by_hand_with_a_reason(
    history: History,
    http: requests.Session,
    session_token: Callable[..., str],
    admin_headers: dict[str, str],
) -> None:
    found = http.get("/admin/customers", params={"q": "berg", "id_token": session_token()})
    assert found.status_code == 200
    assert f'/admin/customers/{history.anna}">Anna Berg</a>' in found.text
    assert "Finn Gray" not in found.text
    profile = http.get(f"/admin/customers/{history.anna}", params={"id_token": session_token()})
    assert "Moved from our old programme" in profile.text
    before = http.get(f"/admin/api/customers/{history.anna}", headers=admin_headers).json()
    form = {
        "csrf_token": csrf_of(profile.text),
        "id_token": session_token(),
        "request_id": "form-1",
        "points": "",
        "reason": "Goodwill",
    }
    refused = http.post(f"/admin/customers/{history.anna}", data=form)
    assert refused.status_code == 400
    assert 'id="points-error">points must be a whole number, like 50 or -20</div>' in refused.text
    for _ in range(2):  # a double submit of the same form adjusts once
        done = http.post(
            f"/admin/customers/{history.anna}",
            data={**form, "points": "35", "id_token": session_token()},
        )
        assert done.status_code == 303
    after = http.get(f"/admin/api/customers/{history.anna}", headers=admin_headers).json()
    assert after["points_balance"] == before["points_balance"] + 35
    assert (after["ledger"][0]["points"], after["ledger"][0]["note"]) == (35, "Goodwill")


def test_another_shops_customer_is_not_found(
    history: History,
    http: requests.Session,
    session_token: Callable[..., str],
    install: Callable[[str], None],
) -> None:
    install("rival-goods.myshopify.com")
    token = session_token("rival-goods.myshopify.com")
    response = http.get(f"/admin/customers/{history.anna}", params={"id_token": token})
    assert response.status_code == 404
    listing = http.get("/admin/customers", params={"q": "anna", "id_token": token})
    assert "Anna Berg" not in listing.text


def test_the_development_login_is_off_unless_switched_on(
    shop: str, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOYALTY_DEV_LOGIN", raising=False)
    assert http.get("/admin/dev-login").status_code == 404
    assert http.post("/admin/dev-login", data={"shop": shop}).status_code == 404
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    assert http.post("/admin/dev-login", data={"shop": "nobody.myshopify.com"}).status_code == 400
    signed_in = http.post("/admin/dev-login", data={"shop": shop})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("loyalty_admin=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert http.get("/admin/insights").status_code == 200
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "0")
    assert http.get("/admin/insights").status_code == 401  # the cookie alone is worth nothing


def test_the_data_page_downloads_need_the_same_sign_in(
    history: History, http: requests.Session, session_token: Callable[..., str]
) -> None:
    period = f"from={history.first}&to={history.today}"
    for path, header in (
        (f"/admin/data/kpis.csv?{period}&table=members", "group,customers,orders,spend"),
        ("/admin/data/segments.csv", "name,kind,tag,size,revenue"),
        ("/admin/data/segments/loyal.csv", "shopify_customer_id,name,email,paid_orders"),
        ("/admin/data/customers.csv", "shopify_customer_id,email,first_name,last_name"),
    ):
        sep = "&" if "?" in path else "?"
        response = http.get(f"{path}{sep}id_token={session_token()}")
        assert response.status_code == 200, path
        assert response.text.startswith(header), path
        assert http.get(path).status_code == 401, path
