"""Tier moves through signed webhooks: up at once on paid orders, down only after grace.

The customer's tier is read back through ``GET /admin/api/customers/<id>`` and its tag from
the stand-in shop over HTTP; re-evaluation is driven with an explicit ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from shopify_loyalty.tiers.membership import TierProgress, reevaluate_tiers, tier_progress
from shopify_loyalty.tiers.models import TierMembership, TierMove
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer


@pytest.fixture
def settled(settle: Callable[..., None]) -> Callable[[], None]:
    """``settle()`` twice: it reads its clock before its snapshot, so a job queued by an
    event it waited for can look not yet due on the first pass."""

    def wait() -> None:
        settle()
        settle()

    return wait


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    """Deliveries that the stand-in shop also records, so tags can be written there."""
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


def buyer(customer_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": f"buyer-{customer_id}@example.com",
        "first_name": "Maria",
        "last_name": "Keller",
        "created_at": utcnow().isoformat(),
        **fields,
    }


def paid_order(customer: dict[str, Any] | None, subtotal: str, **changes: Any) -> dict[str, Any]:
    order_id = new_id()
    money = {
        "shop_money": {"amount": subtotal, "currency_code": "EUR"},
        "presentment_money": {"amount": subtotal, "currency_code": "EUR"},
    }
    return sample(
        "orders/paid",
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{order_id % 100000}",
        customer=customer,
        subtotal_price=subtotal,
        current_subtotal_price=subtotal,
        subtotal_price_set=money,
        current_subtotal_price_set=money,
        total_price=subtotal,
        discount_codes=[],
        note_attributes=[],
        landing_site="/",
        created_at=utcnow().isoformat(),
        processed_at=utcnow().isoformat(),
        **changes,
    )


def refund_of(order: dict[str, Any], amount: str) -> dict[str, Any]:
    money = {
        "shop_money": {"amount": amount, "currency_code": "EUR"},
        "presentment_money": {"amount": amount, "currency_code": "EUR"},
    }
    line = {
        "id": new_id(),
        "line_item_id": new_id(),
        "quantity": 1,
        "subtotal": amount,
        "subtotal_set": money,
    }
    return sample(
        "refunds/create",
        id=new_id(),
        order_id=order["id"],
        refund_line_items=[line],
        order_adjustments=[],
        refund_shipping_lines=[],
        transactions=[],
        processed_at=utcnow().isoformat(),
    )


@pytest.fixture
def deliver(
    shopify: WebhookSender, shop: str, settled: Callable[[], None]
) -> Callable[[str, dict[str, Any]], None]:
    def send(topic: str, payload: dict[str, Any]) -> None:
        assert shopify.deliver(shop, topic, payload).status_code == 200
        settled()

    return send


def standin_customer(standin: StandinServer, shop: str, customer_id: int) -> dict[str, Any]:
    state = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    wanted = f"gid://shopify/Customer/{customer_id}"
    found: dict[str, Any] = next(c for c in state["customers"] if c["id"] == wanted)
    return found


def moves_of(services: Services, customer_id: int) -> list[tuple[str | None, str | None, str]]:
    with services.db.transaction() as session:
        return [
            (move.from_tier, move.to_tier, move.reason)
            for move in session.scalars(
                select(TierMove)
                .join(Customer, Customer.id == TierMove.customer_id)
                .where(Customer.shopify_customer_id == customer_id)
                .order_by(TierMove.id)
            )
        ]


def progress_of(services: Services, shop: str, customer_id: int) -> TierProgress:
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, customer_id)
        assert customer is not None
        return tier_progress(session, shop_row, customer)


def test_orders_lift_a_customer_to_silver_then_gold_at_once(
    shop: str,
    standin: StandinServer,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id, "tags": ["newsletter"]}])
    maria = buyer(customer_id)

    deliver("orders/paid", paid_order(maria, "300.00"))
    page = customer_view(customer_id)
    assert page["tier"] == "Silver"
    assert standin_customer(standin, shop, customer_id)["tags"] == [
        "loyalty-tier:silver",
        "newsletter",
    ]

    deliver("orders/paid", paid_order(maria, "200.00"))
    assert customer_view(customer_id)["tier"] == "Silver"
    progress = progress_of(services, shop, customer_id)
    assert progress.tier is not None and progress.next_tier is not None
    assert (progress.tier.name, progress.next_tier.name) == ("Silver", "Gold")
    assert (progress.qualifying_value, progress.to_next) == (Decimal("500.00"), Decimal("250.00"))
    assert progress.downgrade_at is None

    lifting = paid_order(maria, "300.00")
    deliver("orders/paid", lifting)
    assert customer_view(customer_id)["tier"] == "Gold"
    assert standin_customer(standin, shop, customer_id)["tags"] == [
        "loyalty-tier:gold",
        "newsletter",
    ]

    deliver("orders/paid", paid_order(maria, "100.00"))
    # Shopify delivers the lifting order again, as a new event: nothing changes.
    deliver("orders/paid", lifting)

    rows = reversed(customer_view(customer_id)["ledger"])
    ledger = [(row["reason"], row["points"]) for row in rows]
    assert ledger == [
        ("order", 300),  # earned before the order lifted her: x1
        ("tier_entry", 100),
        ("order", 250),  # 200.00 x 1.25 as Silver
        ("order", 375),  # 300.00 x 1.25, then the order lifts her to Gold
        ("tier_entry", 250),
        ("order", 150),  # 100.00 x 1.5 as Gold
    ]
    assert moves_of(services, customer_id) == [
        (None, "silver", "order"),
        ("silver", "gold", "order"),
    ]


def test_an_order_past_several_thresholds_skips_tiers_and_gives_each_entry_reward(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    customer_id = new_id()
    deliver("orders/paid", paid_order(buyer(customer_id), "800.00"))

    page = customer_view(customer_id)
    assert page["tier"] == "Gold"
    assert sorted(row["points"] for row in page["ledger"] if row["reason"] == "tier_entry") == [
        100,
        250,
    ]
    assert moves_of(services, customer_id) == [(None, "gold", "order")]


def test_test_orders_and_guest_orders_lift_nobody(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    customer_id = new_id()
    deliver("orders/paid", paid_order(buyer(customer_id), "900.00", test=True))
    deliver("orders/paid", paid_order(None, "900.00", email="guest@example.com"))
    deliver("orders/paid", paid_order(buyer(customer_id), "100.00"))
    assert customer_view(customer_id)["tier"] is None
    assert moves_of(services, customer_id) == []


def test_a_refund_does_not_downgrade_until_the_grace_period_has_passed(
    shop: str,
    standin: StandinServer,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    settled: Callable[[], None],
) -> None:
    customer_id = new_id()
    order = paid_order(buyer(customer_id), "800.00")
    deliver("orders/paid", order)
    deliver("refunds/create", refund_of(order, "200.00"))
    assert customer_view(customer_id)["tier"] == "Gold"

    start = utcnow()
    first = reevaluate_tiers(services, shop, start)
    assert (first.grace_started, first.downgraded) == (1, 0)
    page = customer_view(customer_id)
    assert page["tier"] == "Gold"
    assert progress_of(services, shop, customer_id).downgrade_at == start + timedelta(days=30)
    # The goods that reached Gold went back while its entry reward was still pending.
    assert [row["points"] for row in reversed(page["ledger"]) if row["reason"] == "tier_entry"] == [
        100,
        250,
        -250,
    ]

    reevaluate_tiers(services, shop, start + timedelta(days=29))
    assert customer_view(customer_id)["tier"] == "Gold"

    last = reevaluate_tiers(services, shop, start + timedelta(days=30, seconds=1))
    settled()
    assert last.downgraded == 1
    assert customer_view(customer_id)["tier"] == "Silver"
    assert standin_customer(standin, shop, customer_id)["tags"] == ["loyalty-tier:silver"]
    assert moves_of(services, customer_id) == [
        (None, "gold", "order"),
        ("gold", "silver", "grace_expired"),
    ]


def test_buying_back_above_the_threshold_during_grace_keeps_the_tier(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    customer_id = new_id()
    order = paid_order(buyer(customer_id), "800.00")
    deliver("orders/paid", order)
    deliver("refunds/create", refund_of(order, "200.00"))
    start = utcnow()
    reevaluate_tiers(services, shop, start)

    deliver("orders/paid", paid_order(buyer(customer_id), "150.00"))
    with services.db.transaction() as session:
        membership = session.scalars(
            select(TierMembership)
            .join(Customer, Customer.id == TierMembership.customer_id)
            .where(Customer.shopify_customer_id == customer_id)
        ).one()
        assert membership.below_since is None

    reevaluate_tiers(services, shop, start + timedelta(days=45))
    assert customer_view(customer_id)["tier"] == "Gold"


def test_a_customer_far_below_drops_several_tiers_and_loses_the_tag(
    shop: str,
    standin: StandinServer,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    settled: Callable[[], None],
) -> None:
    customer_id = new_id()
    order = paid_order(buyer(customer_id), "800.00")
    deliver("orders/paid", order)
    deliver("refunds/create", refund_of(order, "700.00"))

    start = utcnow()
    reevaluate_tiers(services, shop, start)
    reevaluate_tiers(services, shop, start + timedelta(days=31))
    settled()

    assert customer_view(customer_id)["tier"] is None
    assert standin_customer(standin, shop, customer_id)["tags"] == []
    assert moves_of(services, customer_id)[-1] == ("gold", None, "grace_expired")


def test_orders_outside_the_rolling_window_stop_counting(
    shop: str,
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    settled: Callable[[], None],
) -> None:
    customer_id = new_id()
    deliver("orders/paid", paid_order(buyer(customer_id), "300.00"))
    assert customer_view(customer_id)["tier"] == "Silver"

    # Thirteen months on, the order is outside the twelve-month window: grace, then down.
    later = utcnow() + timedelta(days=396)
    assert reevaluate_tiers(services, shop, later).grace_started == 1
    assert reevaluate_tiers(services, shop, later + timedelta(days=30)).downgraded == 1
    settled()
    assert customer_view(customer_id)["tier"] is None


@pytest.fixture
def put_tiers(
    http: requests.Session, session_token: Callable[..., str], shop: str
) -> Callable[[dict[str, Any]], None]:
    def put(changes: dict[str, Any]) -> None:
        response = http.put(
            "/admin/api/settings/tiers",
            json=changes,
            headers={"Authorization": f"Bearer {session_token(shop)}"},
        )
        assert response.status_code == 200, response.text

    return put


def test_tiers_can_count_paid_orders_not_refunded_in_full(
    shop: str,
    put_tiers: Callable[[dict[str, Any]], None],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    put_tiers(
        {
            "basis": "orders",
            "tiers": [
                {"name": "Regular", "threshold": 2},
                {"name": "Insider", "threshold": 3},
            ],
        }
    )
    customer_id = new_id()
    returned = paid_order(buyer(customer_id), "10.00")
    deliver("orders/paid", returned)
    deliver("refunds/create", refund_of(returned, "10.00"))
    deliver("orders/paid", paid_order(buyer(customer_id), "10.00"))
    assert customer_view(customer_id)["tier"] is None
    deliver("orders/paid", paid_order(buyer(customer_id), "10.00"))
    assert customer_view(customer_id)["tier"] == "Regular"


def test_tiers_can_count_points_earned_but_not_their_own_entry_rewards(
    shop: str,
    put_tiers: Callable[[dict[str, Any]], None],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    put_tiers(
        {
            "basis": "points_earned",
            "tiers": [
                {"name": "Bronze", "threshold": 100, "entry_reward": 500},
                {"name": "Silver", "threshold": 700},
            ],
        }
    )
    customer_id = new_id()
    deliver("orders/paid", paid_order(buyer(customer_id), "150.00"))
    page = customer_view(customer_id)
    # 150 earned plus 500 for entering Bronze: only the 150 count toward Silver.
    assert page["tier"] == "Bronze"
    assert page["points_pending"] + page["points_balance"] == 650


def test_members_of_a_removed_tier_are_placed_again_at_the_next_evaluation(
    shop: str,
    standin: StandinServer,
    put_tiers: Callable[[dict[str, Any]], None],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    settled: Callable[[], None],
) -> None:
    customer_id = new_id()
    deliver("orders/paid", paid_order(buyer(customer_id), "800.00"))
    put_tiers(
        {
            "tiers": [
                {"name": "Silver", "threshold": "250.00"},
                {"name": "Platinum", "threshold": "2000"},
            ]
        }
    )
    assert customer_view(customer_id)["tier"] is None

    assert reevaluate_tiers(services, shop, utcnow()).replaced == 1
    settled()
    assert customer_view(customer_id)["tier"] == "Silver"
    assert standin_customer(standin, shop, customer_id)["tags"] == ["loyalty-tier:silver"]
    assert moves_of(services, customer_id)[-1] == ("gold", "silver", "tier_removed")
