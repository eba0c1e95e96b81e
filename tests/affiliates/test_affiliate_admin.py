"""The merchant's affiliate API: validation naming the field, codes made and paused at
Shopify (the stand-in, over HTTP), codes kept apart from member referral codes, and one
shop never reaching another's affiliates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from shopify_loyalty.db import utcnow
from shopify_loyalty.standin.app import StandinServer
from tests.affiliates.conftest import Api
from tests.conftest import OTHER_SHOP


def discounts_at_shopify(standin: StandinServer, shop: str) -> list[dict[str, Any]]:
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    return list(state["discounts"])


def test_an_affiliate_is_created_changed_and_archived_through_the_api(
    api: Api, make_affiliate: Callable[..., dict[str, Any]]
) -> None:
    anna = make_affiliate()
    assert anna["portal_url"].startswith("http://127.0.0.1:")
    assert {k: anna[k] for k in ("name", "email", "commission_kind", "commission_value")} == {
        "name": "Anna Influencer",
        "email": "anna@partners.example",
        "commission_kind": "percentage",
        "commission_value": "12.50",
    }
    changed = api("PUT", f"/{anna['id']}", json={"commission_value": "8"})
    assert changed.status_code == 200
    assert (changed.json()["commission_kind"], changed.json()["commission_value"]) == (
        "percentage",
        "8.00",
    )
    assert "portal_url" not in api("GET", f"/{anna['id']}").json()
    assert [a["id"] for a in api("GET", "").json()["affiliates"]] == [anna["id"]]
    archived = api("DELETE", f"/{anna['id']}")
    assert (archived.status_code, archived.json()["status"]) == (200, "archived")
    assert archived.json()["has_portal_link"] is False


def test_bad_fields_are_refused_naming_the_field(
    api: Api, make_affiliate: Callable[..., dict[str, Any]]
) -> None:
    base = {"name": "Anna", "email": "anna@partners.example", "commission_value": "10"}
    cases = [
        ({**base, "email": "not-an-email"}, "email"),
        ({**base, "name": " "}, "name"),
        ({**base, "commission_kind": "shares"}, "commission_kind"),
        ({**base, "commission_value": "100.01"}, "commission_value"),
        ({**base, "commission_value": "1.234"}, "commission_value"),
        ({**base, "payout_method": "cash in hand"}, "payout_method"),
        ({**base, "shopify_customer_id": "12"}, "shopify_customer_id"),
        ({**base, "nickname": "A"}, "nickname"),
    ]
    for body, field in cases:
        response = api("POST", "", json=body)
        assert (response.status_code, response.json()["error"], response.json()["field"]) == (
            400,
            "invalid",
            field,
        ), body
    anna = make_affiliate()
    code_cases: list[tuple[dict[str, Any], str]] = [
        ({"code": "A!", "discount_value": "10"}, "code"),
        ({"code": "FRIEND-ANNA", "discount_value": "10"}, "code"),
        ({"code": "ANNA15", "discount_value": "0"}, "discount_value"),
        ({"code": "ANNA15", "discount_kind": "bogo", "discount_value": "1"}, "discount_kind"),
        ({"code": "ANNA15", "discount_value": "10", "usage_limit": 0}, "usage_limit"),
        ({"code": "ANNA15", "discount_value": "10", "ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ({"code": "ANNA15", "discount_value": "10", "max_commission": "-1"}, "max_commission"),
    ]
    for body, field in code_cases:
        response = api("POST", f"/{anna['id']}/codes", json=body)
        assert (response.status_code, response.json()["field"]) == (400, field), body
    assert api("GET", "/999999").status_code == 404


def test_a_code_is_made_at_shopify_for_everyone_with_its_terms(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    api: Api,
    standin: StandinServer,
    shop: str,
) -> None:
    anna = make_affiliate()
    ends = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    code = make_code(
        anna["id"],
        "anna15",
        minimum_order="40.00",
        usage_limit=500,
        once_per_customer=True,
        ends_at=ends.isoformat(),
    )
    assert code["code"] == "ANNA15"
    assert code["tracking_link"] == f"https://{shop}/?ref=ANNA15"
    [discount] = discounts_at_shopify(standin, shop)
    assert {k: discount[k] for k in ("kind", "title", "code", "status", "context", "value")} == {
        "kind": "basic",
        "title": "Affiliate Anna Influencer: ANNA15",
        "code": "ANNA15",
        "status": "ACTIVE",
        "context": {"all": True},
        "value": {"percentage": 0.15},
    }
    assert (discount["usage_limit"], discount["applies_once_per_customer"]) == (500, True)
    assert discount["ends_at"].startswith(ends.strftime("%Y-%m-%dT%H:%M:%S"))
    assert api("GET", f"/{anna['id']}").json()["codes"][0]["at_shopify"] is True

    taken = api("POST", f"/{anna['id']}/codes", json={"code": "Anna15", "discount_value": "5"})
    assert (taken.status_code, taken.json()["field"]) == (409, "code")


def test_pausing_a_code_deactivates_it_at_shopify_and_resuming_reactivates_it(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    api: Api,
    standin: StandinServer,
    shop: str,
    settle: Callable[[], None],
) -> None:
    anna = make_affiliate()
    ends = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    code = make_code(anna["id"], "ANNA15", ends_at=ends.isoformat())
    paused = api("POST", f"/codes/{code['id']}/pause")
    assert (paused.status_code, paused.json()["active"]) == (200, False)
    settle()
    assert [d["status"] for d in discounts_at_shopify(standin, shop)] == ["EXPIRED"]
    assert api("POST", f"/codes/{code['id']}/pause").status_code == 200

    resumed = api("POST", f"/codes/{code['id']}/resume")
    assert (resumed.status_code, resumed.json()["active"]) == (200, True)
    settle()
    [discount] = discounts_at_shopify(standin, shop)
    assert discount["status"] == "ACTIVE"
    # Reactivation keeps the code's own expiry.
    assert discount["ends_at"].startswith(ends.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_second_shop_can_neither_read_nor_change_the_first_shops_affiliates(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    api: Api,
    install: Callable[[str], None],
) -> None:
    anna = make_affiliate()
    code = make_code(anna["id"], "ANNA15")
    install(OTHER_SHOP)
    theirs = {"as_shop": OTHER_SHOP}
    assert api("GET", "", **theirs).json() == {"affiliates": []}
    for method, path, body in [
        ("GET", f"/{anna['id']}", None),
        ("PUT", f"/{anna['id']}", {"name": "Mallory"}),
        ("DELETE", f"/{anna['id']}", None),
        ("POST", f"/{anna['id']}/portal-link", None),
        ("POST", f"/{anna['id']}/codes", {"code": "STEAL", "discount_value": "90"}),
        ("POST", f"/codes/{code['id']}/pause", None),
        ("POST", f"/codes/{code['id']}/resume", None),
        ("GET", f"/{anna['id']}/conversions", None),
        ("POST", f"/{anna['id']}/payouts", {"until": "2030-01-01"}),
    ]:
        response = api(method, path, json=body, **theirs)
        assert (response.status_code, response.json()["error"]) == (404, "not_found"), path
    assert api("GET", "/returns", **theirs).json()["affiliates"] == []
    assert api("GET", "/flags", **theirs).json() == {"codes": []}
    assert api("GET", "/payouts.csv?until=2030-01-01", **theirs).text.count("\n") == 1
    # The other shop may use the same code text for its own affiliate.
    mine = api("GET", f"/{anna['id']}").json()
    assert (mine["name"], mine["status"], mine["codes"][0]["active"]) == (
        "Anna Influencer",
        "active",
        True,
    )
    unauthenticated = requests.get(api("GET", "").url, timeout=5)
    assert unauthenticated.status_code == 401
