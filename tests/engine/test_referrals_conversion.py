"""Referrals through signed webhooks: the friend's first order rewards the referrer once;
self-referrals and existing customers earn nothing and are recorded with the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Unpack

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.referrals import referral_link
from shopify_loyalty.referrals.models import Referral
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import DeliveryIds, WebhookSender
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


@pytest.fixture
def deliver(shopify: WebhookSender, shop: str, settle: Callable[[], None]) -> Callable[..., None]:
    def send(topic: str, payload: dict[str, Any], **ids: Unpack[DeliveryIds]) -> None:
        assert shopify.deliver(shop, topic, payload, **ids).status_code == 200
        settle()

    return send


def person(customer_id: int, first_name: str, email: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": email,
        "first_name": first_name,
        "last_name": "Example",
        "created_at": utcnow().isoformat(),
        **fields,
    }


def paid_order(customer: dict[str, Any], subtotal: str, **changes: Any) -> dict[str, Any]:
    order_id = new_id()
    money = {
        "shop_money": {"amount": subtotal, "currency_code": "EUR"},
        "presentment_money": {"amount": subtotal, "currency_code": "EUR"},
    }
    fields: dict[str, Any] = {
        "id": order_id,
        "name": f"#{order_id % 100000}",
        "customer": customer,
        "email": customer["email"],
        "contact_email": customer["email"],
        "subtotal_price": subtotal,
        "current_subtotal_price": subtotal,
        "subtotal_price_set": money,
        "current_subtotal_price_set": money,
        "total_price": subtotal,
        "discount_codes": [],
        "note_attributes": [],
        "landing_site": "/",
        "created_at": utcnow().isoformat(),
        "processed_at": utcnow().isoformat(),
    }
    fields.update(changes)
    return sample("orders/paid", **fields)


@pytest.fixture
def referrer(shop: str, deliver: Callable[..., None], services: Services) -> tuple[int, str]:
    """Anna, a member with her referral code (and her friend discount made at Shopify)."""
    anna_id = new_id()
    deliver(
        "customers/create",
        sample(
            "customers/create",
            id=anna_id,
            email="Anna.Berg@example.com",
            first_name="Anna",
            last_name="Berg",
            created_at=(utcnow() - timedelta(days=200)).isoformat(),
        ),
    )
    link = link_for(services, shop, anna_id)
    return anna_id, link.rsplit("/", 1)[1]


def link_for(services: Services, shop: str, customer_id: int) -> str:
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, customer_id)
        assert customer is not None
        return referral_link(session, shop_row, customer)


def referrals_of(services: Services, friend_id: int) -> list[tuple[str, str | None, str]]:
    with services.db.transaction() as session:
        return [
            (referral.status, referral.reason, referral.matched_by)
            for referral in session.scalars(
                select(Referral)
                .join(Customer, Customer.id == Referral.friend_customer_id)
                .where(Customer.shopify_customer_id == friend_id)
            )
        ]


def referral_points(page: dict[str, Any]) -> list[int]:
    return [row["points"] for row in page["ledger"] if row["reason"] == "referral"]


def test_the_referral_link_is_stable_and_made_from_the_members_name(
    shop: str, services: Services, referrer: tuple[int, str]
) -> None:
    anna_id, code = referrer
    link = link_for(services, shop, anna_id)
    assert link == f"https://{shop}/apps/loyalty/r/{code}"
    assert code.startswith("ANNA") and len(code) == 8
    assert link_for(services, shop, anna_id) == link


def test_the_friend_discount_is_made_once_at_shopify_for_anyone_once_per_customer(
    shop: str,
    standin: StandinServer,
    services: Services,
    settle: Callable[[], None],
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    link_for(services, shop, anna_id)
    settle()
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    friend_discounts = [d for d in state["discounts"] if d["code"] == f"FRIEND-{code}"]
    assert len(friend_discounts) == 1
    discount = friend_discounts[0]
    assert (discount["kind"], discount["value"], discount["context"]) == (
        "basic",
        {"percentage": 0.1},
        {"all": True},
    )
    assert (discount["applies_once_per_customer"], discount["usage_limit"]) == (True, None)
    assert discount["status"] == "ACTIVE"


def test_a_referred_friends_first_order_rewards_the_referrer_once(
    shop: str,
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    ben_id = new_id()
    ben = person(ben_id, "Ben", "ben@example.com")
    first = paid_order(
        ben,
        "60.00",
        discount_codes=[{"code": f"friend-{code.lower()}", "amount": "6.00", "type": "percentage"}],
    )

    deliver("orders/paid", first, event_id="evt-1")
    deliver("orders/paid", first, event_id="evt-1")  # the same delivery again
    deliver("orders/paid", first, event_id="evt-2")  # the same order as a new event
    deliver(
        "orders/paid",
        paid_order(
            ben,
            "40.00",
            note_attributes=[
                {"name": "loyalty_ref", "value": code},
            ],
        ),
    )

    anna = customer_view(anna_id)
    assert referral_points(anna) == [500]
    assert anna["lifecycle_stage"] == "recommender"
    assert referrals_of(services, ben_id) == [("converted", None, "discount_code")]


@pytest.mark.parametrize(
    ("where", "changes"),
    [
        ("note_attribute", {"note_attributes": [{"name": "loyalty_ref", "value": "{code}"}]}),
        ("landing_site", {"landing_site": "/products/socks?utm_source=ig&ref={code}"}),
    ],
)
def test_the_referral_link_is_recognised_without_the_friend_code(
    shop: str,
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
    where: str,
    changes: dict[str, Any],
) -> None:
    anna_id, code = referrer
    filled = {
        key: (
            value.replace("{code}", code.lower())
            if isinstance(value, str)
            else [{**item, "value": code.lower()} for item in value]
        )
        for key, value in changes.items()
    }
    cleo_id = new_id()
    deliver(
        "orders/paid", paid_order(person(cleo_id, "Cleo", "cleo@example.com"), "30.00", **filled)
    )

    assert referral_points(customer_view(anna_id)) == [500]
    assert referrals_of(services, cleo_id) == [("converted", None, where)]


def test_a_self_referral_earns_nothing_and_is_recorded(
    shop: str,
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    anna = person(anna_id, "Anna", "Anna.Berg@example.com")
    deliver("orders/paid", paid_order(anna, "50.00", discount_codes=[{"code": f"FRIEND-{code}"}]))
    # A second account with her address in other letters is still Anna.
    twin_id = new_id()
    twin = person(twin_id, "Anna", "anna.berg@EXAMPLE.com")
    deliver("orders/paid", paid_order(twin, "50.00", discount_codes=[{"code": f"FRIEND-{code}"}]))

    assert referral_points(customer_view(anna_id)) == []
    assert referrals_of(services, anna_id) == [("rejected", "self_referral", "discount_code")]
    assert referrals_of(services, twin_id) == [("rejected", "self_referral", "discount_code")]


def test_an_existing_customer_earns_the_referrer_nothing(
    shop: str,
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    with_code = {"discount_codes": [{"code": f"FRIEND-{code}"}]}
    # Dora bought before she ever used Anna's code.
    dora_id = new_id()
    dora = person(dora_id, "Dora", "dora@example.com")
    deliver("orders/paid", paid_order(dora, "20.00"))
    deliver("orders/paid", paid_order(dora, "20.00", **with_code))
    # Emil's account is older than Anna's code: he was a customer before she could invite him.
    emil_id = new_id()
    emil = person(
        emil_id, "Emil", "emil@example.com", created_at=(utcnow() - timedelta(days=90)).isoformat()
    )
    deliver("orders/paid", paid_order(emil, "20.00", **with_code))

    assert referral_points(customer_view(anna_id)) == []
    assert referrals_of(services, dora_id) == [("rejected", "existing_customer", "discount_code")]
    assert referrals_of(services, emil_id) == [("rejected", "existing_customer", "discount_code")]


def test_orders_naming_no_known_code_record_nothing(
    shop: str,
    deliver: Callable[..., None],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    fay_id = new_id()
    deliver(
        "orders/paid",
        paid_order(
            person(fay_id, "Fay", "fay@example.com"),
            "20.00",
            discount_codes=[{"code": "FRIEND-NOSUCH"}, {"code": "WELCOME10"}],
            note_attributes=[{"name": "loyalty_ref", "value": "ANNA15"}],
        ),
    )
    assert referrals_of(services, fay_id) == []


# A referral reward waits out the friend's returns window and goes if the order does.


def friend_order(code: str) -> tuple[int, dict[str, Any]]:
    ben_id = new_id()
    order = paid_order(
        person(ben_id, "Ben", "ben@example.com"),
        "60.00",
        discount_codes=[{"code": f"FRIEND-{code}", "amount": "6.00", "type": "percentage"}],
    )
    return ben_id, order


def test_the_referral_reward_is_pending_like_earned_points(
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    before = customer_view(anna_id)
    _, order = friend_order(code)
    deliver("orders/paid", order)
    after = customer_view(anna_id)
    assert after["points_balance"] == before["points_balance"]
    assert after["points_pending"] == before["points_pending"] + 500


def test_cancelling_the_friends_order_voids_the_referral_and_its_reward_once(
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    before = customer_view(anna_id)
    ben_id, order = friend_order(code)
    deliver("orders/paid", order)
    cancelled = {**order, "cancelled_at": order["processed_at"], "cancel_reason": "customer"}
    deliver("orders/cancelled", cancelled, event_id="cancel-1")
    deliver("orders/cancelled", cancelled, event_id="cancel-2")
    after = customer_view(anna_id)
    assert (after["points_balance"], after["points_pending"]) == (
        before["points_balance"],
        before["points_pending"],
    )
    reasons = [row["reason"] for row in after["ledger"] if row["reason"] == "referral"]
    assert len(reasons) == 2  # the reward and its one take-back
    assert referrals_of(services, ben_id) == [("voided", "order_cancelled", "discount_code")]


def test_a_friend_order_cancelled_before_its_paid_event_earns_nothing(
    deliver: Callable[..., None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    before = customer_view(anna_id)
    ben_id, order = friend_order(code)
    deliver("orders/cancelled", {**order, "cancelled_at": order["processed_at"]})
    deliver("orders/paid", order)
    assert customer_view(anna_id)["points_pending"] == before["points_pending"]
    assert referrals_of(services, ben_id) == [("rejected", "order_cancelled", "discount_code")]


def test_redacting_a_referrer_replaces_the_named_code_and_deletes_its_discount(
    shop: str,
    standin,
    deliver: Callable[..., None],
    http: requests.Session,
    session_token: Callable[..., str],
    settle: Callable[[], None],
    referrer: tuple[int, str],
) -> None:
    anna_id, code = referrer
    assert code.startswith("ANNA")
    settle()  # the friend discount is made at Shopify
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    assert [d["code"] for d in state["discounts"]] == [f"FRIEND-{code}"]
    redact = sample("customers/redact", customer={"id": anna_id, "email": "anna.berg@example.com"})
    deliver("customers/redact", redact)
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    assert not [d for d in state["discounts"] if d["code"] == f"FRIEND-{code}"]
    request = sample(
        "customers/data_request", customer={"id": anna_id, "email": None}, data_request={"id": 77}
    )
    deliver("customers/data_request", request)
    auth = {"Authorization": f"Bearer {session_token(shop)}"}
    [export] = http.get("/admin/api/privacy/exports", headers=auth).json()["exports"]
    document = http.get(f"/admin/api/privacy/exports/{export['id']}", headers=auth).json()
    assert document["customer"]["first_name"] is None
    assert document["referral_code"] is not None
    assert not document["referral_code"].startswith("ANNA")
    assert document["tier"] == {"tier": None, "since": None, "moves": []}
