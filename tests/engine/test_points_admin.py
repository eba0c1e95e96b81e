"""The merchant's points pages: a customer's record and the points settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]

DEFAULT_SETTINGS = {
    "points_per_currency_unit": "1",
    "points_per_order": 0,
    "pending_days": 14,
    "signup_bonus": 100,
    "birthday_bonus": 100,
    "birthday_notice_days": 30,
    "anniversary_bonus": 50,
    "feedback_bonus": 25,
    "expiry_months": 0,
    "expiry_reminder_days": 30,
}


def test_the_customer_record_shows_balance_pending_and_the_ledger_newest_first(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer, order = new_id(), new_id()
    deliver("customers/create", sample("customers/create", id=customer))
    paid = sample("orders/paid", id=order)
    paid["customer"]["id"] = customer
    deliver("orders/paid", paid)
    adjusted = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": -30, "reason": "Wrong bonus"},
        headers=admin_headers,
    )
    assert adjusted.status_code == 201, adjusted.text

    view = customer_view(customer)

    assert (view["shopify_customer_id"], view["name"]) == (customer, "Maria Keller")
    assert (view["points_balance"], view["points_pending"]) == (70, 84)
    assert [(row["points"], row["reason"], row["order_id"]) for row in view["ledger"]] == [
        (-30, "adjustment", None),
        (84, "order", order),
        (100, "signup", None),
    ]
    assert set(view) >= {"stamps", "tier", "lifecycle_stage"}
    assert set(view["stamps"]) == {"collected", "required"}

    newest = http.get(f"/admin/api/customers/{customer}?limit=1", headers=admin_headers)
    assert [row["points"] for row in newest.json()["ledger"]] == [-30]
    too_many = http.get(f"/admin/api/customers/{customer}?limit=0", headers=admin_headers)
    assert (too_many.status_code, too_many.json()["field"]) == (400, "limit")


def test_the_points_settings_show_values_and_what_each_field_allows(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.get("/admin/api/settings/points", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["section"], body["settings"]) == ("points", DEFAULT_SETTINGS)
    assert set(body["fields"]) == set(DEFAULT_SETTINGS)
    pending = body["fields"]["pending_days"]
    assert (pending["default"], pending["minimum"], pending["maximum"]) == (14, 0, 365)
    rate = body["fields"]["points_per_currency_unit"]
    assert (rate["default"], rate["minimum"], rate["maximum"]) == ("1", "0", "1000")


def test_changing_points_settings_keeps_what_was_not_sent(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    first = http.put("/admin/api/settings/points", json={"pending_days": 7}, headers=admin_headers)
    second = http.put(
        "/admin/api/settings/points",
        json={"expiry_months": 12, "points_per_currency_unit": 0.5},
        headers=admin_headers,
    )

    assert (first.status_code, second.status_code) == (200, 200)
    shown = http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"]
    assert shown == {
        **DEFAULT_SETTINGS,
        "pending_days": 7,
        "expiry_months": 12,
        "points_per_currency_unit": "0.5",
    }


def test_a_setting_out_of_range_is_refused_naming_the_field(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    out_of_range = http.put(
        "/admin/api/settings/points", json={"pending_days": 400}, headers=admin_headers
    )
    unknown = http.put("/admin/api/settings/points", json={"bogus": 1}, headers=admin_headers)
    not_an_object = http.put("/admin/api/settings/points", json=[1], headers=admin_headers)

    assert (out_of_range.status_code, out_of_range.json()) == (
        400,
        {
            "error": "invalid",
            "message": "pending_days must be a whole number from 0 to 365",
            "field": "pending_days",
        },
    )
    assert (unknown.status_code, unknown.json()["field"]) == (400, "bogus")
    assert not_an_object.status_code == 400
    shown = http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"]
    assert shown == DEFAULT_SETTINGS


def test_settings_sections_are_listed_and_an_unknown_one_is_a_404(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    listed = http.get("/admin/api/settings", headers=admin_headers)
    unknown = http.get("/admin/api/settings/rainbows", headers=admin_headers)

    assert listed.status_code == 200
    assert "points" in listed.json()["sections"]
    assert (unknown.status_code, unknown.json()) == (
        404,
        {
            "error": "not_found",
            "message": "There is no settings section called rainbows.",
            "field": "section",
        },
    )


def test_settings_and_customers_need_a_session_token(shop: str, http: requests.Session) -> None:
    assert http.get("/admin/api/settings/points").status_code == 401
    assert http.put("/admin/api/settings/points", json={"pending_days": 1}).status_code == 401
    assert http.get(f"/admin/api/customers/{new_id()}").status_code == 401


def test_every_registered_section_can_be_read_with_its_field_descriptions(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    sections = http.get("/admin/api/settings", headers=admin_headers).json()["sections"]

    for section in sections:
        response = http.get(f"/admin/api/settings/{section}", headers=admin_headers)
        assert response.status_code == 200, (section, response.text)
        body = response.json()
        assert body["section"] == section
        assert set(body["fields"]) == set(body["settings"])
