"""The referral settings: validated through the settings API, and followed by the friend
discounts at the stand-in shop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.referrals import referral_link
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import new_id


@pytest.fixture
def put_referrals(
    http: requests.Session, session_token: Callable[..., str], shop: str
) -> Callable[[dict[str, Any]], requests.Response]:
    def put(changes: dict[str, Any]) -> requests.Response:
        return http.put(
            "/admin/api/settings/referrals",
            json=changes,
            headers={"Authorization": f"Bearer {session_token(shop)}"},
        )

    return put


def friend_discount(standin: StandinServer, shop: str, code: str) -> dict[str, Any]:
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    found = [d for d in state["discounts"] if d["code"] == f"FRIEND-{code}"]
    assert len(found) == 1, found
    discount: dict[str, Any] = found[0]
    return discount


def member_code(services: Services, shop: str, first_name: str | None) -> str:
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = record_customer(
            session,
            shop_row,
            CustomerDetails(
                shopify_customer_id=new_id(),
                first_name=first_name,
                shopify_created_at=utcnow() - timedelta(days=30),
            ),
        )
        return referral_link(session, shop_row, customer).rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"friend_discount_value": "150"}, "friend_discount_value"),
        ({"friend_discount_kind": "free_shipping"}, "friend_discount_value"),
        ({"friend_discount_kind": "gift"}, "friend_discount_kind"),
        ({"friend_discount_minimum_order": "0"}, "friend_discount_minimum_order"),
        ({"referrer_points": -5}, "referrer_points"),
        ({"enabled": "yes"}, "enabled"),
    ],
)
def test_invalid_referral_settings_are_refused_naming_the_field(
    put_referrals: Callable[[dict[str, Any]], requests.Response],
    changes: dict[str, Any],
    field: str,
) -> None:
    refused = put_referrals(changes)
    assert refused.status_code == 400
    body = refused.json()
    assert (body["error"], body["field"]) == ("invalid", field)


def test_codes_without_a_usable_name_are_eight_random_characters(
    shop: str, services: Services, settle: Callable[[], None]
) -> None:
    codes = {member_code(services, shop, name) for name in (None, "李", "Ø")}
    settle()
    assert len(codes) == 3
    assert all(len(code) == 8 and code.isalnum() and code.isupper() for code in codes)


def test_changed_terms_update_every_friend_discount_and_turning_off_deactivates_them(
    shop: str,
    standin: StandinServer,
    services: Services,
    settle: Callable[[], None],
    put_referrals: Callable[[dict[str, Any]], requests.Response],
) -> None:
    codes = [member_code(services, shop, "Jana"), member_code(services, shop, "Karl")]
    settle()
    assert [friend_discount(standin, shop, c)["value"] for c in codes] == [
        {"percentage": 0.1},
        {"percentage": 0.1},
    ]

    changed = put_referrals(
        {
            "friend_discount_kind": "fixed_amount",
            "friend_discount_value": "15.00",
            "friend_discount_minimum_order": "50.00",
        }
    )
    assert changed.status_code == 200, changed.text
    settle()
    for code in codes:
        discount = friend_discount(standin, shop, code)
        assert discount["value"] == {
            "discountAmount": {"amount": "15.00", "appliesOnEachItem": False}
        }
        assert discount["title"] == f"Referral welcome: 15.00 off (FRIEND-{code})"
        assert discount["status"] == "ACTIVE"

    assert put_referrals({"enabled": False}).status_code == 200
    settle()
    assert [friend_discount(standin, shop, c)["status"] for c in codes] == ["EXPIRED", "EXPIRED"]


def test_switching_to_free_shipping_replaces_the_friend_discount(
    shop: str,
    standin: StandinServer,
    services: Services,
    settle: Callable[[], None],
    put_referrals: Callable[[dict[str, Any]], requests.Response],
) -> None:
    code = member_code(services, shop, "Lena")
    settle()
    before = friend_discount(standin, shop, code)

    changed = put_referrals({"friend_discount_kind": "free_shipping", "friend_discount_value": 0})
    assert changed.status_code == 200, changed.text
    settle()

    after = friend_discount(standin, shop, code)
    assert after["id"] != before["id"]
    assert (after["kind"], after["applies_once_per_customer"]) == ("free_shipping", True)
