"""The rewards catalogue through the admin JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.conftest import OTHER_SHOP


def listed(http: requests.Session, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = http.get("/admin/api/rewards", headers=headers)
    assert response.status_code == 200, response.text
    rewards: list[dict[str, Any]] = response.json()["rewards"]
    return rewards


def summary(reward: dict[str, Any]) -> tuple[Any, ...]:
    return (
        reward["title"],
        reward["kind"],
        reward["value"],
        reward["points_cost"],
        reward["minimum_order"],
        reward["expiry_days"],
        reward["active"],
    )


def test_a_shop_without_rewards_gets_the_default_catalogue_once(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    first = listed(http, admin_headers)

    assert [summary(reward) for reward in first] == [
        ("Free shipping", "free_shipping", "0.00", 300, None, 90, True),
        ("5.00 EUR off", "fixed_amount", "5.00", 500, None, 90, True),
        ("10% off", "percentage", "10.00", 1000, None, 90, True),
    ]
    assert listed(http, admin_headers) == first


def test_the_merchant_adds_a_reward(http: requests.Session, admin_headers: dict[str, str]) -> None:
    response = http.post(
        "/admin/api/rewards",
        json={
            "kind": "fixed_amount",
            "value": "20",
            "points_cost": 1800,
            "minimum_order": "100.00",
            "expiry_days": 30,
        },
        headers=admin_headers,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert summary(created) == ("20.00 EUR off", "fixed_amount", "20.00", 1800, "100.00", 30, True)
    assert created in listed(http, admin_headers)
    assert len(listed(http, admin_headers)) == 4


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"value": "5", "points_cost": 100}, "kind", "kind is required"),
        ({"kind": "percentage", "value": "5"}, "points_cost", "points_cost is required"),
        ({"kind": "fixed_amount", "points_cost": 100}, "value", "value is required"),
        (
            {"kind": "coupon", "value": "5", "points_cost": 100},
            "kind",
            "kind must be one of fixed_amount, percentage, free_shipping",
        ),
        (
            {"kind": "percentage", "value": "-1", "points_cost": 100},
            "value",
            "value must be a number from 0 to 100000",
        ),
        (
            {"kind": "percentage", "value": "101", "points_cost": 100},
            "value",
            "value must be a percentage from 1 to 100",
        ),
        (
            {"kind": "fixed_amount", "value": "0", "points_cost": 100},
            "value",
            "value must be an amount from 0.01 to 100000 for a fixed amount off",
        ),
        (
            {"kind": "fixed_amount", "value": "5", "points_cost": 0},
            "points_cost",
            "points_cost must be a whole number from 1 to 1000000",
        ),
        (
            {"kind": "free_shipping", "points_cost": 300, "expiry_days": 0},
            "expiry_days",
            "expiry_days must be a whole number from 1 to 3650",
        ),
        (
            {"kind": "free_shipping", "points_cost": 300, "minimum_order": "-5"},
            "minimum_order",
            "minimum_order must be a number from 0 to 100000",
        ),
        (
            {"kind": "free_shipping", "points_cost": 300, "title": "x" * 101},
            "title",
            "title must be at most 100 characters",
        ),
        (
            {"kind": "free_shipping", "points_cost": 300, "colour": "gold"},
            "colour",
            "colour is not a setting of reward",
        ),
    ],
)
def test_an_invalid_reward_is_refused_naming_the_field_and_the_range(
    http: requests.Session,
    admin_headers: dict[str, str],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = http.post("/admin/api/rewards", json=body, headers=admin_headers)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": message, "field": field}


def test_a_body_that_is_not_an_object_is_refused(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.post("/admin/api/rewards", json=[1, 2], headers=admin_headers)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "The request body must be a JSON object.",
        "field": None,
    }


def test_changing_the_value_rewrites_a_title_that_was_written_for_it(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    ten_percent = next(r for r in listed(http, admin_headers) if r["kind"] == "percentage")

    response = http.put(
        f"/admin/api/rewards/{ten_percent['id']}",
        json={"value": 12.5, "active": False},
        headers=admin_headers,
    )
    renamed = http.put(
        f"/admin/api/rewards/{ten_percent['id']}",
        json={"title": "Summer treat", "value": "15"},
        headers=admin_headers,
    )
    kept = http.put(
        f"/admin/api/rewards/{ten_percent['id']}", json={"value": "20"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert summary(response.json()) == ("12.5% off", "percentage", "12.50", 1000, None, 90, False)
    assert renamed.json()["title"] == "Summer treat"
    assert summary(kept.json()) == ("Summer treat", "percentage", "20.00", 1000, None, 90, False)


def test_an_invalid_change_leaves_the_reward_as_it_was(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    before = listed(http, admin_headers)
    five_off = next(r for r in before if r["kind"] == "fixed_amount")

    response = http.put(
        f"/admin/api/rewards/{five_off['id']}", json={"points_cost": -1}, headers=admin_headers
    )

    assert response.status_code == 400
    assert response.json()["field"] == "points_cost"
    assert listed(http, admin_headers) == before


def test_deleting_a_reward_takes_it_out_of_the_catalogue_for_good(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    rewards = listed(http, admin_headers)

    answers = [
        http.delete(f"/admin/api/rewards/{r['id']}", headers=admin_headers).status_code
        for r in rewards
    ]

    assert answers == [204, 204, 204]
    assert listed(http, admin_headers) == []  # no default catalogue comes back
    again = http.delete(f"/admin/api/rewards/{rewards[0]['id']}", headers=admin_headers)
    assert again.status_code == 404
    assert again.json() == {
        "error": "not_found",
        "message": f"No reward {rewards[0]['id']} in this shop.",
        "field": "reward_id",
    }


def test_another_shop_can_neither_see_nor_change_a_shops_rewards(
    http: requests.Session,
    admin_headers: dict[str, str],
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    ours = listed(http, admin_headers)
    install(OTHER_SHOP)
    theirs = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}

    changed = http.put(
        f"/admin/api/rewards/{ours[0]['id']}", json={"points_cost": 1}, headers=theirs
    )
    deleted = http.delete(f"/admin/api/rewards/{ours[0]['id']}", headers=theirs)

    assert (changed.status_code, deleted.status_code) == (404, 404)
    assert {r["id"] for r in listed(http, theirs)}.isdisjoint({r["id"] for r in ours})
    assert listed(http, admin_headers) == ours


def test_the_rewards_api_needs_a_session_token(http: requests.Session) -> None:
    response = http.get("/admin/api/rewards")

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
