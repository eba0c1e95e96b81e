"""Each tier's segment and discounts at the stand-in shop, kept in step with the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select, update

from shopify_loyalty.services import Services
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.tiers.models import TierDiscount
from shopify_loyalty.tiers.tier_discounts import sync_tier_program


def shop_state(standin: StandinServer, shop: str) -> dict[str, Any]:
    state: dict[str, Any] = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    return state


def discounts_by_code(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {discount["code"]: discount for discount in state["discounts"]}


@pytest.fixture
def put_tiers(
    http: requests.Session, session_token: Callable[..., str], shop: str
) -> Callable[[dict[str, Any]], requests.Response]:
    def put(changes: dict[str, Any]) -> requests.Response:
        return http.put(
            "/admin/api/settings/tiers",
            json=changes,
            headers={"Authorization": f"Bearer {session_token(shop)}"},
        )

    return put


def test_tier_segments_and_discounts_exist_once_after_two_syncs(
    shop: str, standin: StandinServer, services: Services
) -> None:
    sync_tier_program(services, shop)
    sync_tier_program(services, shop)

    state = shop_state(standin, shop)
    segments = {segment["name"]: segment for segment in state["segments"]}
    assert {name: segment["query"] for name, segment in segments.items()} == {
        "Loyalty tier: Silver": "customer_tags CONTAINS 'loyalty-tier:silver'",
        "Loyalty tier: Gold": "customer_tags CONTAINS 'loyalty-tier:gold'",
    }
    discounts = discounts_by_code(state)
    assert sorted(discounts) == ["LOYALTY-GOLD", "LOYALTY-GOLD-SHIPPING", "LOYALTY-SILVER"]
    silver, gold = discounts["LOYALTY-SILVER"], discounts["LOYALTY-GOLD"]
    shipping = discounts["LOYALTY-GOLD-SHIPPING"]
    assert (silver["kind"], silver["value"], silver["status"]) == (
        "basic",
        {"percentage": 0.05},
        "ACTIVE",
    )
    assert silver["context"] == {"customerSegments": [segments["Loyalty tier: Silver"]["id"]]}
    assert (gold["value"], gold["context"]) == (
        {"percentage": 0.1},
        {"customerSegments": [segments["Loyalty tier: Gold"]["id"]]},
    )
    assert (shipping["kind"], shipping["context"]) == (
        "free_shipping",
        {"customerSegments": [segments["Loyalty tier: Gold"]["id"]]},
    )


def test_a_sync_retried_after_lost_answers_adopts_what_it_created(
    shop: str, standin: StandinServer, services: Services
) -> None:
    sync_tier_program(services, shop)
    before = shop_state(standin, shop)
    # As if every answer from Shopify had been lost: we know no ids, Shopify has the objects.
    with services.db.transaction() as session:
        session.execute(
            update(TierDiscount).values(segment_gid=None, discount_gid=None, shipping_gid=None)
        )

    sync_tier_program(services, shop)

    after = shop_state(standin, shop)
    assert sorted(s["id"] for s in after["segments"]) == sorted(s["id"] for s in before["segments"])
    assert sorted(d["id"] for d in after["discounts"]) == sorted(
        d["id"] for d in before["discounts"]
    )
    with services.db.transaction() as session:
        stored = {
            row.tier_key: (row.discount_gid, row.shipping_gid)
            for row in session.scalars(select(TierDiscount))
        }
    by_code = discounts_by_code(after)
    assert stored == {
        "silver": (by_code["LOYALTY-SILVER"]["id"], None),
        "gold": (by_code["LOYALTY-GOLD"]["id"], by_code["LOYALTY-GOLD-SHIPPING"]["id"]),
    }


def test_changed_settings_update_create_and_deactivate_the_tier_discounts(
    shop: str,
    standin: StandinServer,
    services: Services,
    put_tiers: Callable[[dict[str, Any]], requests.Response],
    settle: Callable[[], None],
) -> None:
    settle()
    sync_tier_program(services, shop)
    changed = put_tiers(
        {
            "tiers": [
                {
                    "name": "Silver",
                    "threshold": "300.00",
                    "discount_percent": "7.5",
                    "points_multiplier": "1.25",
                },
                {
                    "name": "Platinum",
                    "threshold": "1500.00",
                    "discount_percent": "15",
                    "points_multiplier": "2",
                    "perks": ["free_shipping", "early_access"],
                },
            ]
        }
    )
    assert changed.status_code == 200, changed.text

    settle()  # the job queued by the change, not a second sync racing it

    discounts = discounts_by_code(shop_state(standin, shop))
    assert discounts["LOYALTY-SILVER"]["value"] == {"percentage": 0.075}
    assert discounts["LOYALTY-SILVER"]["title"] == "Silver members: 7.5% off"
    assert discounts["LOYALTY-SILVER"]["status"] == "ACTIVE"
    assert discounts["LOYALTY-PLATINUM"]["value"] == {"percentage": 0.15}
    assert discounts["LOYALTY-PLATINUM-SHIPPING"]["status"] == "ACTIVE"
    assert discounts["LOYALTY-GOLD"]["status"] == "EXPIRED"
    assert discounts["LOYALTY-GOLD-SHIPPING"]["status"] == "EXPIRED"
    assert len(discounts) == 5

    # Gold comes back: its discounts are switched on again, not made twice.
    assert (
        put_tiers(
            {
                "tiers": [
                    {
                        "name": "Gold",
                        "threshold": "750.00",
                        "discount_percent": "10",
                        "perks": ["free_shipping"],
                    }
                ]
            }
        ).status_code
        == 200
    )
    settle()  # the job queued by the change, not a second sync racing it
    discounts = discounts_by_code(shop_state(standin, shop))
    assert len(discounts) == 5
    assert discounts["LOYALTY-GOLD"]["status"] == "ACTIVE"
    assert discounts["LOYALTY-GOLD-SHIPPING"]["status"] == "ACTIVE"
    assert discounts["LOYALTY-SILVER"]["status"] == "EXPIRED"


def test_a_discount_the_merchant_deleted_is_made_again(
    shop: str, standin: StandinServer, services: Services
) -> None:
    sync_tier_program(services, shop)
    gold = discounts_by_code(shop_state(standin, shop))["LOYALTY-GOLD"]
    gone = requests.post(
        f"{standin.url}/{shop}/admin/api/2026-04/graphql.json",
        json={
            "query": "mutation($id: ID!) { discountCodeDelete(id: $id) { deletedCodeDiscountId } }",
            "variables": {"id": gold["id"]},
        },
        headers={"X-Shopify-Access-Token": _token(standin, shop)},
        timeout=5,
    )
    assert gone.status_code == 200, gone.text

    sync_tier_program(services, shop)

    again = discounts_by_code(shop_state(standin, shop))["LOYALTY-GOLD"]
    assert again["id"] != gold["id"]
    assert again["value"] == {"percentage": 0.1}


def _token(standin: StandinServer, shop: str) -> str:
    issued = standin.control.issue_token(shop)
    return str(issued["access_token"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"tiers": [{"name": "Silver", "threshold": 500}, {"name": "Gold", "threshold": 400}]},
            "tiers[1].threshold",
        ),
        (
            {"tiers": [{"name": "Silver", "threshold": 500, "discount_percent": 101}]},
            "tiers[0].discount_percent",
        ),
        ({"window_months": 48}, "window_months"),
        ({"grace_days": 400}, "grace_days"),
        ({"basis": "visits"}, "basis"),
    ],
)
def test_invalid_tier_settings_are_refused_naming_the_field(
    put_tiers: Callable[[dict[str, Any]], requests.Response],
    changes: dict[str, Any],
    field: str,
) -> None:
    refused = put_tiers(changes)
    assert refused.status_code == 400
    body = refused.json()
    assert (body["error"], body["field"]) == ("invalid", field)
    assert body["message"].startswith(field)


def test_saving_tier_settings_syncs_the_discounts_at_shopify_by_itself(
    shop: str,
    standin: StandinServer,
    settle: Callable[[], None],
    put_tiers: Callable[[dict[str, Any]], requests.Response],
) -> None:
    changed = put_tiers(
        {
            "tiers": [
                {
                    "name": "Silver",
                    "threshold": "300.00",
                    "discount_percent": "7.5",
                    "points_multiplier": "1.25",
                }
            ]
        }
    )
    assert changed.status_code == 200, changed.text
    settle()
    state = shop_state(standin, shop)
    assert discounts_by_code(state)["LOYALTY-SILVER"]["value"] == {"percentage": 0.075}
    assert [segment["name"] for segment in state["segments"]] == ["Loyalty tier: Silver"]
