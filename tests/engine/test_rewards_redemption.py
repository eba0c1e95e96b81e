"""Redeeming points for a reward: the debit, the code at Shopify, compensation, usage."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.rewards.discounts import DiscountToCreate, create_discount_code
from shopify_loyalty.rewards.jobs import withdraw_code
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop
from tests.conftest import new_id, sample
from tests.engine.test_stamps_webhooks import (
    CODE_PATTERN,
    customer_payload,
    paid_order,
    standin_discounts,
)

Deliver = Callable[..., requests.Response]


@pytest.fixture
def catalogue(http: requests.Session, admin_headers: dict[str, str]) -> dict[str, int]:
    """The default catalogue's reward ids by kind (5.00 off: 500, 10%: 1000, shipping: 300)."""
    response = http.get("/admin/api/rewards", headers=admin_headers)
    assert response.status_code == 200, response.text
    return {reward["kind"]: reward["id"] for reward in response.json()["rewards"]}


@pytest.fixture
def member(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    points_of: Callable[[int], Balance],
) -> Callable[[int], int]:
    """A customer who joined and holds ``points`` available points; returns their id."""

    def make(points: int) -> int:
        customer_id = new_id()
        deliver("customers/create", customer_payload(customer_id))
        missing = points - points_of(customer_id).available
        if missing:
            response = http.post(
                f"/admin/api/customers/{customer_id}/adjustments",
                json={"points": missing, "reason": "Welcome gift"},
                headers=admin_headers,
            )
            assert response.status_code == 201, response.text
        assert points_of(customer_id).available == points
        return customer_id

    return make


def redeem(
    http: requests.Session, headers: dict[str, str], customer_id: int, reward_id: Any
) -> requests.Response:
    return http.post(
        f"/admin/api/customers/{customer_id}/redemptions",
        json={"reward_id": reward_id},
        headers=headers,
    )


def codes_of(services: Services, shop: str) -> list[IssuedCode]:
    with services.db.sessions() as session:
        return list(
            session.scalars(
                select(IssuedCode)
                .join(Shop, Shop.id == IssuedCode.shop_id)
                .where(Shop.domain == shop)
                .order_by(IssuedCode.id)
            )
        )


def queued_jobs(services: Services, shop: str) -> list[tuple[str, dict[str, Any]]]:
    with services.db.sessions() as session:
        rows = session.execute(
            select(Job.kind, Job.payload)
            .join(Shop, Shop.id == Job.shop_id)
            .where(Shop.domain == shop, Job.kind.like("rewards.%"))
            .order_by(Job.id)
        )
        return [(kind, json.loads(payload)) for kind, payload in rows]


def ledger_rows(services: Services, shop: str) -> list[tuple[int, str]]:
    with services.db.sessions() as session:
        rows = session.execute(
            select(LedgerEntry.points, LedgerEntry.reason)
            .join(Shop, Shop.id == LedgerEntry.shop_id)
            .where(Shop.domain == shop)
            .order_by(LedgerEntry.id)
        )
        return [(points, reason) for points, reason in rows]


def test_redeeming_debits_the_cost_and_creates_one_single_use_code_for_the_shopper(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    points_of: Callable[[int], Balance],
    services: Services,
    shop: str,
    standin: Any,
) -> None:
    customer_id = member(800)

    response = redeem(http, admin_headers, customer_id, catalogue["fixed_amount"])

    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(CODE_PATTERN, body["code"])
    assert {k: body[k] for k in ("title", "kind", "value", "points_spent", "status", "source")} == {
        "title": "5.00 EUR off",
        "kind": "fixed_amount",
        "value": "5.00",
        "points_spent": 500,
        "status": "issued",
        "source": "redemption",
    }
    assert points_of(customer_id).available == 300
    assert ledger_rows(services, shop)[-1] == (-500, "redemption")
    [discount] = standin_discounts(standin.url, shop)
    assert discount["code"] == body["code"]
    assert discount["context"] == {"customers": [f"gid://shopify/Customer/{customer_id}"]}
    assert (discount["usage_limit"], discount["applies_once_per_customer"]) == (1, True)
    assert discount["value"] == {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}}
    [issued] = codes_of(services, shop)
    assert issued.shopify_discount_id == discount["id"]


def test_free_shipping_is_created_as_a_free_shipping_discount(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    shop: str,
    standin: Any,
) -> None:
    customer_id = member(300)

    response = redeem(http, admin_headers, customer_id, catalogue["free_shipping"])

    assert response.status_code == 201, response.text
    [discount] = standin_discounts(standin.url, shop)
    assert (discount["kind"], discount["code"]) == ("free_shipping", response.json()["code"])
    assert discount["combines_with"] == {
        "orderDiscounts": True,
        "productDiscounts": True,
        "shippingDiscounts": False,
    }


def test_redeeming_with_too_few_points_is_409_and_writes_nothing(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    points_of: Callable[[int], Balance],
    services: Services,
    shop: str,
    standin: Any,
) -> None:
    customer_id = member(999)
    before = ledger_rows(services, shop)

    response = redeem(http, admin_headers, customer_id, catalogue["percentage"])

    assert response.status_code == 409
    assert response.json() == {
        "error": "insufficient_points",
        "message": "1000 points are needed but only 999 are available.",
        "field": "points",
    }
    assert ledger_rows(services, shop) == before
    assert codes_of(services, shop) == []
    assert standin_discounts(standin.url, shop) == []
    assert points_of(customer_id).available == 999


def test_when_shopify_stays_down_the_points_come_back_and_the_answer_is_502(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    points_of: Callable[[int], Balance],
    services: Services,
    shop: str,
    standin: Any,
) -> None:
    customer_id = member(600)
    faults = requests.post(
        f"{standin.url}/_standin/shops/{shop}/faults",
        json={"status": 500, "count": 20},
        timeout=10,
    )
    assert faults.status_code in (200, 201), faults.text

    response = redeem(http, admin_headers, customer_id, catalogue["fixed_amount"])

    assert response.status_code == 502
    assert response.json() == {
        "error": "shopify_unavailable",
        "message": "Shopify could not be reached to create the discount code, so no points "
        "were spent. Please try again in a moment.",
        "field": None,
    }
    assert points_of(customer_id).available == 600
    assert ledger_rows(services, shop)[-2:] == [(-500, "redemption"), (500, "redemption_failed")]
    [issued] = codes_of(services, shop)
    assert (issued.status, issued.shopify_discount_id) == ("failed", None)
    assert standin_discounts(standin.url, shop) == []
    # In case the create landed after we gave up, its withdrawal is queued.
    assert queued_jobs(services, shop) == [
        ("rewards.create_code", {"issued_code_id": issued.id}),
        ("rewards.withdraw_code", {"code": issued.code}),
    ]


def test_withdrawing_a_code_deletes_it_at_shopify_and_is_safe_to_repeat(
    services: Services, shop: str, standin: Any, member: Callable[[int], int]
) -> None:
    customer_id = member(0)
    client = admin_client(services, shop)
    discount = DiscountToCreate(
        title="Lost answer",
        code="LOY-WWWW-XXXX-YYYY",
        kind="fixed_amount",
        value=Decimal("5.00"),
        minimum_order=None,
        starts_at=utcnow(),
        ends_at=None,
        customer_gid=f"gid://shopify/Customer/{customer_id}",
    )
    create_discount_code(client, discount)

    withdraw_code(services, shop, {"code": "loy-wwww-xxxx-yyyy"})
    withdraw_code(services, shop, {"code": "LOY-WWWW-XXXX-YYYY"})

    assert standin_discounts(standin.url, shop) == []


def test_a_later_order_with_the_code_marks_it_used(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    deliver: Deliver,
    services: Services,
    shop: str,
) -> None:
    customer_id = member(500)
    code = redeem(http, admin_headers, customer_id, catalogue["fixed_amount"]).json()["code"]
    order_id = new_id()

    deliver("orders/paid", paid_order(customer_id, order_id, codes=(code.lower(), "WELCOME10")))

    [issued] = codes_of(services, shop)
    assert (issued.status, issued.used_shopify_order_id) == ("used", order_id)
    assert issued.used_at is not None


def test_a_guest_order_with_an_unknown_code_marks_nothing(
    member: Callable[[int], int],
    http: requests.Session,
    admin_headers: dict[str, str],
    catalogue: dict[str, int],
    deliver: Deliver,
    services: Services,
    shop: str,
) -> None:
    customer_id = member(500)
    redeem(http, admin_headers, customer_id, catalogue["fixed_amount"])

    deliver("orders/paid", paid_order(None, new_id(), codes=("LOY-2222-3333-4444",)))

    assert [issued.status for issued in codes_of(services, shop)] == ["issued"]


@pytest.mark.parametrize(
    ("reward", "customer", "status", "error", "field"),
    [
        ("unknown", "member", 404, "not_found", "reward_id"),
        ("inactive", "member", 409, "reward_unavailable", "reward_id"),
        ("percentage", "stranger", 404, "not_found", "shopify_customer_id"),
        ("text", "member", 400, "invalid", "reward_id"),
    ],
)
def test_a_redemption_that_cannot_be_made_says_why_and_spends_nothing(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    points_of: Callable[[int], Balance],
    reward: str,
    customer: str,
    status: int,
    error: str,
    field: str,
) -> None:
    customer_id = member(2000) if customer == "member" else new_id()
    reward_id: Any = {"unknown": 999_999, "text": "5"}.get(reward)
    if reward == "inactive":
        reward_id = catalogue["fixed_amount"]
        changed = http.put(
            f"/admin/api/rewards/{reward_id}", json={"active": False}, headers=admin_headers
        )
        assert changed.status_code == 200
    elif reward == "percentage":
        reward_id = catalogue["percentage"]

    response = redeem(http, admin_headers, customer_id, reward_id)

    assert response.status_code == status
    assert (response.json()["error"], response.json()["field"]) == (error, field)
    if customer == "member":
        assert points_of(customer_id).available == 2000


def test_a_data_request_export_holds_the_shoppers_stamps_and_codes(
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    catalogue: dict[str, int],
    deliver: Deliver,
) -> None:
    customer_id = member(500)
    code = redeem(http, admin_headers, customer_id, catalogue["fixed_amount"]).json()["code"]

    deliver(
        "customers/data_request",
        sample("customers/data_request", customer={"id": customer_id}, orders_requested=[]),
    )

    [export] = http.get("/admin/api/privacy/exports", headers=admin_headers).json()["exports"]
    document = http.get(f"/admin/api/privacy/exports/{export['id']}", headers=admin_headers).json()
    assert document["stamp_card"] == {"card_number": 1, "collected": 2, "completed_cards": 0}
    assert [entry["kind"] for entry in document["stamp_entries"]] == ["joined"]
    assert [
        (c["code"], c["source"], c["status"], c["points_spent"]) for c in document["issued_codes"]
    ] == [(code, "redemption", "issued", 500)]
