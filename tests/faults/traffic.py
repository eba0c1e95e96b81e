"""A shop's traffic that touches every effect the engine has, and how to read its outcome.

A member (Anna) refers a friend (Ben); an affiliate (Pia) brings orders with her code. Ben
joins and pays two orders: the first large enough for the Silver tier and through Anna's
friend code (a referral), the second with Pia's code (a commission), later partly refunded;
the first order is partly refunded too. Carla pays with Pia's code and cancels.

Every delivery has fixed ids (order, customer, event and webhook ids), so a clean run and a
faulty run of the same traffic can be compared: whatever the faults, the outcome must be the
one of the clean run.

The tiers keep their thresholds, discounts and entry rewards but multiply points by 1: a
tier's multiplier applies to orders credited while the customer holds the tier, so two
*different* orders arriving swapped may rightly earn differently, which is not a fault.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import func, select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.referrals import referral_link
from shopify_loyalty.referrals.models import Referral
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import Delivery, WebhookSender
from shopify_loyalty.tiers.rules import DEFAULT_TIERS
from tests.conftest import SHOP, new_id, sample

Settle = Callable[..., None]


def _money(amount: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": "EUR"},
        "presentment_money": {"amount": amount, "currency_code": "EUR"},
    }


def person(customer_id: int, first_name: str, email: str, days_ago: int = 0) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": email,
        "first_name": first_name,
        "last_name": "Example",
        "created_at": (utcnow() - timedelta(days=days_ago)).isoformat(),
    }


def paid_order(
    order_id: int, customer: dict[str, Any], subtotal: str, codes: tuple[str, ...] = ()
) -> dict[str, Any]:
    moment = utcnow().isoformat()
    return sample(
        "orders/paid",
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{order_id % 100000}",
        customer=customer,
        email=customer["email"],
        contact_email=customer["email"],
        subtotal_price=subtotal,
        current_subtotal_price=subtotal,
        subtotal_price_set=_money(subtotal),
        current_subtotal_price_set=_money(subtotal),
        total_price=subtotal,
        discount_codes=[{"code": code, "amount": "1.00", "type": "percentage"} for code in codes],
        note_attributes=[],
        landing_site="/",
        created_at=moment,
        processed_at=moment,
    )


def refund_of(refund_id: int, order: dict[str, Any], goods: str) -> dict[str, Any]:
    line = {
        "id": refund_id + 1,
        "line_item_id": refund_id + 2,
        "quantity": 1,
        "subtotal": goods,
        "subtotal_set": _money(goods),
        "total_tax": 0,
    }
    return sample(
        "refunds/create",
        id=refund_id,
        order_id=order["id"],
        refund_line_items=[line],
        order_adjustments=[],
        refund_shipping_lines=[],
        transactions=[],
        created_at=utcnow().isoformat(),
        processed_at=utcnow().isoformat(),
    )


def cancellation_of(order: dict[str, Any]) -> dict[str, Any]:
    fields = ("id", "name", "customer", "email", "subtotal_price", "subtotal_price_set")
    return sample(
        "orders/cancelled",
        **{key: order[key] for key in (*fields, "total_price", "created_at")},
        cancelled_at=utcnow().isoformat(),
        cancel_reason="customer",
    )


@dataclass
class Traffic:
    """The ids of one scenario, drawn once and reused by every run of it."""

    anna: int = field(default_factory=new_id)
    ben: int = field(default_factory=new_id)
    carla: int = field(default_factory=new_id)
    big_order: int = field(default_factory=new_id)
    coded_order: int = field(default_factory=new_id)
    cancelled_order: int = field(default_factory=new_id)
    refund_ids: tuple[int, int] = field(default_factory=lambda: (new_id(), new_id()))
    event_ids: list[str] = field(default_factory=lambda: [str(uuid.uuid4()) for _ in range(9)])
    affiliate_id: int | None = None

    def set_up(
        self,
        services: Services,
        sender: WebhookSender,
        settle: Settle,
        http: requests.Session,
        token: str,
    ) -> str:
        """Anna as a member with her friend code, Pia as an affiliate with code PIA10; returns
        Anna's friend code."""
        anna = sample("customers/create", **person(self.anna, "Anna", "anna.berg@example.com", 200))
        assert sender.deliver(SHOP, "customers/create", anna).status_code == 200
        settle()
        with services.db.transaction() as session:
            shop = session.scalars(select(Shop).where(Shop.domain == SHOP)).one()
            member = find_customer(session, shop, self.anna)
            assert member is not None
            code = referral_link(session, shop, member).rsplit("/", 1)[1]
        headers = {"Authorization": f"Bearer {token}"}
        tiers = [{**level, "points_multiplier": "1"} for level in DEFAULT_TIERS]
        changed = http.put("/admin/api/settings/tiers", headers=headers, json={"tiers": tiers})
        assert changed.status_code == 200, changed.text
        settle()
        pia = http.post(
            "/admin/api/affiliates",
            headers=headers,
            json={
                "name": "Pia Partner",
                "email": "pia@partners.example",
                "commission_kind": "percentage",
                "commission_value": "10",
                "payout_method": "paypal",
                "payout_details": "pia@partners.example",
            },
        )
        assert pia.status_code == 201, pia.text
        self.affiliate_id = pia.json()["id"]
        made = http.post(
            f"/admin/api/affiliates/{self.affiliate_id}/codes",
            headers=headers,
            json={"code": "PIA10", "discount_kind": "percentage", "discount_value": "10"},
        )
        assert made.status_code == 201, made.text
        settle()
        return code

    def deliveries(self, friend_code: str) -> list[Delivery]:
        """Every delivery of the scenario, once, in the order things happened."""
        ben = person(self.ben, "Ben", "ben@example.com")
        carla = person(self.carla, "Carla", "carla@example.com")
        big = paid_order(self.big_order, ben, "320.00", (f"friend-{friend_code.lower()}",))
        coded = paid_order(self.coded_order, ben, "80.00", ("pia10",))
        cancelled = paid_order(self.cancelled_order, carla, "50.00", ("PIA10",))
        steps: list[tuple[str, dict[str, Any]]] = [
            ("customers/create", sample("customers/create", **ben)),
            ("customers/create", sample("customers/create", **carla)),
            ("orders/paid", big),
            ("orders/paid", coded),
            ("orders/paid", cancelled),
            ("refunds/create", refund_of(self.refund_ids[0], big, "100.00")),
            ("refunds/create", refund_of(self.refund_ids[1], coded, "30.00")),
            ("orders/cancelled", cancellation_of(cancelled)),
        ]
        return [
            Delivery(
                SHOP,
                topic,
                payload,
                event_id=self.event_ids[index],
                webhook_id=f"{self.event_ids[index]}-w",
                triggered_at=utcnow(),
            )
            for index, (topic, payload) in enumerate(steps)
        ]

    def second_event_for_the_big_order(self, deliveries: list[Delivery]) -> Delivery:
        """The same paid order as a new event (Shopify emits one per change)."""
        return replace(
            deliveries[2], event_id=self.event_ids[8], webhook_id=f"{self.event_ids[8]}-w"
        )


def outcome(
    services: Services, http: requests.Session, token: str, traffic: Traffic
) -> dict[str, Any]:
    """Everything the scenario changed, as the merchant and the data see it: each member's
    points, pending points, ledger per order, stamps, tier and stage; the affiliate's
    commissions; the referral; the codes issued by kind."""
    headers = {"Authorization": f"Bearer {token}"}
    members: dict[str, Any] = {}
    for name, customer_id in (
        ("anna", traffic.anna),
        ("ben", traffic.ben),
        ("carla", traffic.carla),
    ):
        page = http.get(f"/admin/api/customers/{customer_id}", headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        per_order: dict[str, int] = {}
        for row in body["ledger"]:
            key = str(row["order_id"] or row["reason"])
            per_order[key] = per_order.get(key, 0) + row["points"]
        members[name] = {
            "balance": body["points_balance"],
            "pending": body["points_pending"],
            "stamps": body["stamps"]["collected"],
            "tier": body["tier"],
            "stage": body["lifecycle_stage"],
            "points_by_order": per_order,
        }
    conversions = http.get(
        f"/admin/api/affiliates/{traffic.affiliate_id}/conversions", headers=headers
    )
    assert conversions.status_code == 200, conversions.text
    commissions = sorted(
        (str(row["order_id"]), row["status"], row["commission"])
        for row in conversions.json()["conversions"]
    )
    with services.db.sessions() as session:
        referrals = sorted(
            (row.status, row.matched_by) for row in session.scalars(select(Referral))
        )
        codes = dict(
            session.execute(
                select(IssuedCode.source, func.count()).group_by(IssuedCode.source)
            ).all()
        )
    return {
        "members": members,
        "commissions": commissions,
        "referrals": referrals,
        "codes": codes,
    }


def check_the_scenario_did_something(result: dict[str, Any], traffic: Traffic) -> None:
    """The clean run's outcome exercises every effect (so equal outcomes mean something)."""
    ben = result["members"]["ben"]
    assert ben["tier"] == "Silver"
    assert ben["points_by_order"][str(traffic.big_order)] > 0
    assert ben["stamps"] > result["members"]["carla"]["stamps"] - 1
    assert result["members"]["anna"]["points_by_order"].get("referral", 0) > 0
    assert result["referrals"] == [("converted", "discount_code")]
    assert [c[0] for c in result["commissions"]] == sorted(
        [str(traffic.coded_order), str(traffic.cancelled_order)]
    )
    assert result["members"]["carla"]["points_by_order"].get(str(traffic.cancelled_order), 0) == 0
