"""Affiliate codes and member referral codes live apart: an order carrying one never
triggers the other, and neither can take the other's code; privacy requests cover the
orders an affiliate brought."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy import func, select

from shopify_loyalty.affiliates.models import AffiliateConversion
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.referrals import referral_link
from shopify_loyalty.referrals.models import Referral
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.affiliates.conftest import Api, buyer, paid_order
from tests.conftest import sample

Deliver = Callable[..., requests.Response]


def member_code(services: Services, shop: str, deliver: Deliver) -> str:
    """A member (Anna) with her referral code."""
    member = buyer("anna.member@example.com", first_name="Anna", created_at="2025-01-01T00:00:00Z")
    deliver("customers/create", sample("customers/create", **member))
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, member["id"])
        assert customer is not None
        return referral_link(session, shop_row, customer).rsplit("/", 1)[1]


def counts(services: Services) -> tuple[int, int]:
    with services.db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Referral)) or 0,
            session.scalar(select(func.count()).select_from(AffiliateConversion)) or 0,
        )


def test_an_affiliate_code_never_triggers_a_referral_and_a_referral_code_never_an_affiliate(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    services: Services,
    shop: str,
    api: Api,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    referral = member_code(services, shop, deliver)
    anna = make_affiliate()
    make_code(anna["id"], "ANNA15")
    deliver("orders/paid", paid_order("60.00", ref="ANNA15", customer=buyer("friend1@example.com")))
    assert counts(services) == (0, 1)

    deliver("orders/paid", paid_order("60.00", ref=referral, customer=buyer("friend2@example.com")))
    deliver(
        "orders/paid",
        paid_order("60.00", codes=(f"FRIEND-{referral}",), customer=buyer("friend3@example.com")),
    )
    assert counts(services) == (2, 1)
    assert [row["matched_by"] for row in ledger(anna["id"])] == ["note_attribute"]

    for taken in (referral, f"friend-{referral}"):
        response = api("POST", f"/{anna['id']}/codes", json={"code": taken, "discount_value": "5"})
        assert (response.status_code, response.json()["field"]) in ((409, "code"), (400, "code"))


def test_a_data_request_exports_and_a_redaction_unlinks_the_affiliate_orders(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    services: Services,
    http: requests.Session,
    session_token: Callable[..., str],
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate()
    make_code(anna["id"], "ANNA15")
    shopper = buyer()
    order = paid_order("40.00", codes=("ANNA15",), customer=shopper)
    deliver("orders/paid", order)
    deliver(
        "customers/data_request",
        sample("customers/data_request", customer={"id": shopper["id"], "email": shopper["email"]}),
    )
    auth = {"Authorization": f"Bearer {session_token()}"}
    [export] = http.get("/admin/api/privacy/exports", headers=auth).json()["exports"]
    document = http.get(f"/admin/api/privacy/exports/{export['id']}", headers=auth).json()
    assert [
        (row["order_id"], row["affiliate_code"], row["status"])
        for row in document["affiliate_orders"]
    ] == [(order["id"], "ANNA15", "pending")]

    deliver(
        "customers/redact",
        sample(
            "customers/redact",
            customer={"id": shopper["id"], "email": shopper["email"]},
            orders_to_redact=[order["id"]],
        ),
    )
    with services.db.sessions() as session:
        assert session.scalars(select(AffiliateConversion.customer_id)).all() == [None]
    assert [row["commission"] for row in ledger(anna["id"])] == ["5.00"]
