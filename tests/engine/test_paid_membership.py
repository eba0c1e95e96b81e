"""Paid VIP membership: joining, renewing and refunding through signed webhooks, the member
tag and the paid tier's discounts at the stand-in shop, expiry, stacking and the widget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.paid_membership import PAID_MEMBER_TAG
from shopify_loyalty.paid_membership.discounts import sync_membership_discounts
from shopify_loyalty.paid_membership.models import MembershipPurchase, PaidMembership
from shopify_loyalty.paid_membership.periodic import run_periodic
from shopify_loyalty.paid_membership.periods import add_periods
from shopify_loyalty.paid_membership.perks import best_of
from shopify_loyalty.paid_membership.status import is_paid_member
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from shopify_loyalty.tiers.tier_discounts import SegmentDiscounts
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer

PRODUCT = 7_700_000_000_001
VARIANT = 47_700_000_000_002
OTHER_PRODUCT = 8123409909310


@pytest.fixture
def shopify(live: LiveServer, standin: StandinServer) -> WebhookSender:
    """Deliveries the stand-in shop also records, so the member tag can be written there."""
    return WebhookSender(live.url, API_SECRET, standin_url=standin.url)


@pytest.fixture
def admin(
    http: requests.Session, session_token: Callable[..., str], shop: str
) -> Callable[..., requests.Response]:
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {session_token(shop)}"}
        return http.request(method, path, headers=headers, **kwargs)

    return call


@pytest.fixture
def membership_on(admin: Callable[..., requests.Response]) -> Callable[..., dict[str, Any]]:
    def put(**changes: Any) -> dict[str, Any]:
        body = {"product_ids": [f"gid://shopify/Product/{PRODUCT}"], **changes}
        response = admin("PUT", "/admin/api/settings/membership", json=body)
        assert response.status_code == 200, response.text
        settings: dict[str, Any] = response.json()["settings"]
        return settings

    return put


@pytest.fixture
def deliver(
    shopify: WebhookSender, shop: str, settle: Callable[..., None]
) -> Callable[[str, dict[str, Any]], None]:
    def send(topic: str, payload: dict[str, Any]) -> None:
        assert shopify.deliver(shop, topic, payload).status_code == 200
        settle()
        settle()

    return send


def buyer(customer_id: int) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": f"member-{customer_id}@example.com",
        "first_name": "Lena",
        "last_name": "Vogt",
        "created_at": utcnow().isoformat(),
    }


def membership_line(quantity: int = 1, price: str = "49.00", **changes: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "product_id": PRODUCT,
        "variant_id": VARIANT,
        "title": "VIP Club membership",
        "quantity": quantity,
        "current_quantity": quantity,
        "price": price,
        "total_discount": "0.00",
        "requires_shipping": False,
        **changes,
    }


def other_line() -> dict[str, Any]:
    return {
        "id": new_id(),
        "product_id": OTHER_PRODUCT,
        "variant_id": 44120938508670,
        "title": "Wool Socks (3 pack)",
        "quantity": 1,
        "current_quantity": 1,
        "price": "30.00",
        "total_discount": "0.00",
    }


def order_with(
    customer_id: int | None, lines: list[dict[str, Any]], paid_at: datetime | None = None
) -> dict[str, Any]:
    order_id = new_id()
    subtotal = str(sum(Decimal(line["price"]) * line["quantity"] for line in lines))
    money = {
        "shop_money": {"amount": subtotal, "currency_code": "EUR"},
        "presentment_money": {"amount": subtotal, "currency_code": "EUR"},
    }
    moment = (paid_at or utcnow()).isoformat()
    return sample(
        "orders/paid",
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{order_id % 100000}",
        customer=buyer(customer_id) if customer_id is not None else None,
        line_items=lines,
        subtotal_price=subtotal,
        current_subtotal_price=subtotal,
        subtotal_price_set=money,
        current_subtotal_price_set=money,
        total_price=subtotal,
        discount_codes=[],
        note_attributes=[],
        landing_site="/",
        created_at=moment,
        processed_at=moment,
    )


def refund_of(order: dict[str, Any], line: dict[str, Any], quantity: int) -> dict[str, Any]:
    amount = str(Decimal(line["price"]) * quantity)
    money = {
        "shop_money": {"amount": amount, "currency_code": "EUR"},
        "presentment_money": {"amount": amount, "currency_code": "EUR"},
    }
    return sample(
        "refunds/create",
        id=new_id(),
        order_id=order["id"],
        refund_line_items=[
            {
                "id": new_id(),
                "line_item_id": line["id"],
                "quantity": quantity,
                "restock_type": "no_restock",
                "subtotal": amount,
                "subtotal_set": money,
                "line_item": {
                    "id": line["id"],
                    "product_id": line["product_id"],
                    "variant_id": line["variant_id"],
                    "title": line["title"],
                    "quantity": line["quantity"],
                    "price": line["price"],
                },
            }
        ],
        order_adjustments=[],
        refund_shipping_lines=[],
        transactions=[],
        processed_at=utcnow().isoformat(),
    )


def cancellation_of(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "cancelled_at": utcnow().isoformat(), "cancel_reason": "customer"}


def state_of(standin: StandinServer, shop: str) -> dict[str, Any]:
    state: dict[str, Any] = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5).json()
    return state


def tags_of(standin: StandinServer, shop: str, customer_id: int) -> list[str]:
    wanted = f"gid://shopify/Customer/{customer_id}"
    customer = next(c for c in state_of(standin, shop)["customers"] if c["id"] == wanted)
    return list(customer["tags"])


def membership_of(
    customer_view: Callable[[int], dict[str, Any]], customer_id: int
) -> dict[str, Any]:
    membership: dict[str, Any] = customer_view(customer_id)["membership"]
    return membership


def ends(membership: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(membership["ends_at"])


def member_at(services: Services, shop: str, customer_id: int, at: datetime) -> bool:
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, customer_id)
        assert customer is not None
        return is_paid_member(session, shop_row.id, customer.id, at)


def test_buying_the_membership_joins_for_a_year_and_tags_the_customer(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    membership_on()
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id, "tags": ["newsletter"]}])
    paid_at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    deliver("orders/paid", order_with(customer_id, [membership_line(), other_line()], paid_at))

    membership = membership_of(customer_view, customer_id)
    assert membership["status"] == "active"
    assert membership["plan"]["name"] == "VIP Club"
    assert membership["started_at"] == paid_at.isoformat()
    assert membership["ends_at"] == datetime(2027, 11, 23, 9, 30, tzinfo=UTC).isoformat()
    assert [
        (row["status"], row["periods_bought"], row["amount"]) for row in membership["history"]
    ] == [("active", 1, "49.00")]
    assert tags_of(standin, shop, customer_id) == [PAID_MEMBER_TAG, "newsletter"]
    assert member_at(services, shop, customer_id, paid_at + timedelta(days=364))
    assert not member_at(services, shop, customer_id, paid_at - timedelta(seconds=1))


def test_quantity_buys_periods_and_a_renewal_extends_from_the_later_of_now_and_the_end(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on(period_length=6, period_unit="months")
    customer_id = new_id()
    first = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)

    deliver("orders/paid", order_with(customer_id, [membership_line(quantity=2)], first))
    # Two periods of six months: to the end of January 2027.
    assert ends(membership_of(customer_view, customer_id)) == datetime(
        2027, 1, 31, 12, 0, tzinfo=UTC
    )

    # Renewed before the end: the new period follows the old one.
    deliver("orders/paid", order_with(customer_id, [membership_line()], utcnow()))
    assert ends(membership_of(customer_view, customer_id)) == datetime(
        2027, 7, 31, 12, 0, tzinfo=UTC
    )


def test_a_renewal_after_a_lapse_starts_at_its_payment(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on(period_length=30, period_unit="days")
    customer_id = new_id()
    long_ago = utcnow() - timedelta(days=100)
    deliver("orders/paid", order_with(customer_id, [membership_line()], long_ago))
    assert membership_of(customer_view, customer_id)["status"] == "ended"

    renewed = utcnow().replace(microsecond=0)
    deliver("orders/paid", order_with(customer_id, [membership_line()], renewed))

    membership = membership_of(customer_view, customer_id)
    assert membership["status"] == "active"
    assert membership["started_at"] == renewed.isoformat()
    assert ends(membership) == renewed + timedelta(days=30)
    assert [row["status"] for row in membership["history"]] == ["active", "expired"]


def test_a_full_refund_ends_the_membership_and_removes_the_tag(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id, "tags": ["newsletter"]}])
    line = membership_line()
    order = order_with(customer_id, [line])
    deliver("orders/paid", order)
    assert tags_of(standin, shop, customer_id) == [PAID_MEMBER_TAG, "newsletter"]

    before = utcnow()
    refund = refund_of(order, line, 1)
    deliver("refunds/create", refund)
    deliver("refunds/create", refund)  # a duplicate delivery

    membership = membership_of(customer_view, customer_id)
    assert membership["status"] == "ended"
    assert before <= ends(membership) <= utcnow()
    assert membership["history"][0]["status"] == "refunded"
    assert membership["join_url"] is None  # no product handle set
    assert tags_of(standin, shop, customer_id) == ["newsletter"]


def test_a_partial_refund_of_stacked_periods_shortens_by_the_periods_given_back(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    customer_id = new_id()
    paid_at = datetime(2026, 11, 1, tzinfo=UTC)
    line = membership_line(quantity=3)
    order = order_with(customer_id, [line], paid_at)
    deliver("orders/paid", order)
    assert ends(membership_of(customer_view, customer_id)) == datetime(2029, 11, 1, tzinfo=UTC)

    deliver("refunds/create", refund_of(order, line, 1))
    assert ends(membership_of(customer_view, customer_id)) == datetime(2028, 11, 1, tzinfo=UTC)
    deliver("refunds/create", refund_of(order, line, 1))

    membership = membership_of(customer_view, customer_id)
    assert membership["status"] == "active"
    assert ends(membership) == datetime(2027, 11, 1, tzinfo=UTC)
    assert membership["history"][0]["periods_refunded"] == 2


def test_refunding_an_earlier_purchase_moves_the_later_periods_up(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    customer_id = new_id()
    first_line, second_line = membership_line(), membership_line()
    first = order_with(customer_id, [first_line], datetime(2026, 11, 1, tzinfo=UTC))
    second = order_with(customer_id, [second_line], datetime(2026, 11, 2, tzinfo=UTC))
    deliver("orders/paid", first)
    deliver("orders/paid", second)
    assert ends(membership_of(customer_view, customer_id)) == datetime(2028, 11, 1, tzinfo=UTC)

    deliver("refunds/create", refund_of(first, first_line, 1))

    membership = membership_of(customer_view, customer_id)
    assert membership["status"] == "active"
    assert membership["started_at"] == datetime(2026, 11, 2, tzinfo=UTC).isoformat()
    assert ends(membership) == datetime(2027, 11, 2, tzinfo=UTC)


def test_a_refund_before_its_paid_event_and_duplicates_net_to_the_remainder(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id}])
    paid_at = datetime(2026, 11, 10, tzinfo=UTC)
    line = membership_line(quantity=2)
    order = order_with(customer_id, [line], paid_at)

    deliver("refunds/create", refund_of(order, line, 1))
    deliver("orders/paid", order)
    deliver("orders/paid", order)

    membership = membership_of(customer_view, customer_id)
    assert (membership["status"], ends(membership)) == (
        "active",
        datetime(2027, 11, 10, tzinfo=UTC),
    )
    assert [(row["periods_bought"], row["periods_refunded"]) for row in membership["history"]] == [
        (2, 1)
    ]
    assert tags_of(standin, shop, customer_id) == [PAID_MEMBER_TAG]


def test_a_refund_of_everything_before_paid_never_makes_a_member(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id}])
    line = membership_line()
    order = order_with(customer_id, [line])

    deliver("refunds/create", refund_of(order, line, 1))
    deliver("orders/paid", order)

    assert membership_of(customer_view, customer_id)["status"] == "none"
    assert tags_of(standin, shop, customer_id) == []


def test_a_cancelled_order_ends_its_periods_even_when_the_cancel_comes_first(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on()
    late, early = new_id(), new_id()
    paid_then_cancelled = order_with(late, [membership_line()])
    deliver("orders/paid", paid_then_cancelled)
    deliver("orders/cancelled", cancellation_of(paid_then_cancelled))
    cancelled_first = order_with(early, [membership_line()])
    deliver("orders/cancelled", cancellation_of(cancelled_first))
    deliver("orders/paid", cancelled_first)

    assert membership_of(customer_view, late)["status"] == "ended"
    assert membership_of(customer_view, late)["history"][0]["status"] == "cancelled"
    assert membership_of(customer_view, early)["status"] == "none"


def test_orders_without_the_membership_product_and_guest_orders_join_nobody(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
) -> None:
    membership_on()
    customer_id = new_id()
    deliver("orders/paid", order_with(customer_id, [other_line()]))
    deliver("orders/paid", order_with(None, [membership_line()]))

    assert membership_of(customer_view, customer_id)["status"] == "none"
    with services.db.transaction() as session:
        assert session.scalars(select(MembershipPurchase)).all() == []


def test_a_variant_id_names_the_membership_too(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    membership_on(product_ids=[], variant_ids=[str(VARIANT)])
    customer_id = new_id()
    deliver("orders/paid", order_with(customer_id, [membership_line(product_id=1)]))
    assert membership_of(customer_view, customer_id)["status"] == "active"


def test_the_hourly_run_ends_lapsed_memberships_and_removes_the_tag(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    customer_view: Callable[[int], dict[str, Any]],
    services: Services,
    settle: Callable[..., None],
) -> None:
    membership_on(period_length=1, period_unit="months")
    customer_id = new_id()
    standin.control.add_customers(shop, [{"id": customer_id, "tags": ["vip-event"]}])
    paid_at = utcnow() - timedelta(days=20)
    deliver("orders/paid", order_with(customer_id, [membership_line()], paid_at))
    assert tags_of(standin, shop, customer_id) == [PAID_MEMBER_TAG, "vip-event"]

    assert run_periodic(services, shop, utcnow()) == 0  # still a member
    # A month goes by: every stored time moves back by 31 days.
    with services.db.transaction() as session:
        for purchase in session.scalars(select(MembershipPurchase)):
            assert purchase.paid_at is not None
            purchase.paid_at -= timedelta(days=31)
        for row in session.scalars(select(PaidMembership)):
            assert row.started_at is not None and row.ends_at is not None
            row.started_at -= timedelta(days=31)
            row.ends_at -= timedelta(days=31)
    assert run_periodic(services, shop, utcnow()) == 1
    assert run_periodic(services, shop, utcnow()) == 0  # once
    settle()
    settle()

    assert membership_of(customer_view, customer_id)["status"] == "ended"
    assert tags_of(standin, shop, customer_id) == ["vip-event"]


def test_the_paid_tier_discounts_are_limited_to_the_paid_members_segment(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    services: Services,
) -> None:
    membership_on(discount_percent="12.5", free_shipping=True, standard_shipping_max="8.00")
    sync_membership_discounts(services, shop)
    sync_membership_discounts(services, shop)

    state = state_of(standin, shop)
    segment = next(s for s in state["segments"] if s["name"] == "Loyalty paid members")
    assert segment["query"] == f"customer_tags CONTAINS '{PAID_MEMBER_TAG}'"
    discounts = {d["code"]: d for d in state["discounts"]}
    assert sorted(discounts) == ["LOYALTY-PAID-MEMBER", "LOYALTY-PAID-MEMBER-SHIPPING"]
    percentage = discounts["LOYALTY-PAID-MEMBER"]
    shipping = discounts["LOYALTY-PAID-MEMBER-SHIPPING"]
    assert (percentage["value"], percentage["status"], percentage["context"]) == (
        {"percentage": 0.125},
        "ACTIVE",
        {"customerSegments": [segment["id"]]},
    )
    assert (shipping["kind"], shipping["context"], shipping["maximum_shipping_price"]) == (
        "free_shipping",
        {"customerSegments": [segment["id"]]},
        "8.00",
    )


def test_changed_membership_settings_update_the_same_discounts(
    shop: str,
    standin: StandinServer,
    membership_on: Callable[..., dict[str, Any]],
    services: Services,
    settle: Callable[..., None],
) -> None:
    membership_on(discount_percent="10", standard_shipping_max="8.00")
    settle()
    before = {d["code"]: d["id"] for d in state_of(standin, shop)["discounts"]}

    membership_on(discount_percent="15", free_express_shipping=True, name="Inner Circle")
    settle()

    after = {d["code"]: d for d in state_of(standin, shop)["discounts"]}
    assert {code: d["id"] for code, d in after.items()} == before
    assert after["LOYALTY-PAID-MEMBER"]["value"] == {"percentage": 0.15}
    assert after["LOYALTY-PAID-MEMBER"]["title"] == "Inner Circle members: 15% off"
    # Free express shipping: free at every rate, the cap is lifted.
    assert after["LOYALTY-PAID-MEMBER-SHIPPING"]["maximum_shipping_price"] is None

    membership_on(product_ids=[], free_shipping=False, free_express_shipping=False)
    settle()
    statuses = {d["code"]: d["status"] for d in state_of(standin, shop)["discounts"]}
    assert statuses == {"LOYALTY-PAID-MEMBER": "EXPIRED", "LOYALTY-PAID-MEMBER-SHIPPING": "EXPIRED"}


def test_the_standin_refuses_a_discount_for_a_segment_that_does_not_exist(
    shop: str, services: Services
) -> None:
    from shopify_loyalty.shopify.admin_client import AdminApiError
    from shopify_loyalty.shops.install import admin_client
    from shopify_loyalty.tiers.code_discounts import BASIC, create_code_discount

    with pytest.raises(AdminApiError, match="does not exist"):
        create_code_discount(
            admin_client(services, shop),
            BASIC,
            {
                "title": "Nobody's",
                "code": "NOBODY",
                "context": {"customerSegments": {"add": ["gid://shopify/Segment/999999"]}},
                "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
            },
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product_ids", ["gid://shopify/Order/1"], "product_ids[0] must be a Shopify id"),
        ("variant_ids", "123", "variant_ids must be a list of Shopify ids"),
        ("period_unit", "weeks", "period_unit must be one of days, months, years"),
        ("period_length", 0, "period_length must be a whole number from 1 to 3650"),
        ("discount_percent", "101", "discount_percent must be a number from 0 to 100"),
        ("points_multiplier", "0.5", "points_multiplier must be a number from 1 to 10"),
        ("product_handle", "VIP Club", "product_handle must be a Shopify handle"),
    ],
)
def test_bad_membership_settings_name_the_field_and_the_range(
    admin: Callable[..., requests.Response], field: str, value: Any, message: str
) -> None:
    response = admin("PUT", "/admin/api/settings/membership", json={field: value})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"].startswith(message)
    assert body["field"].startswith(field)


def test_months_beyond_twelve_years_are_refused_per_unit(
    admin: Callable[..., requests.Response],
) -> None:
    response = admin(
        "PUT",
        "/admin/api/settings/membership",
        json={"period_length": 121, "period_unit": "months"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "period_length must be a whole number from 1 to 120 months"


def test_a_month_from_the_last_day_ends_on_the_last_day_of_a_shorter_month() -> None:
    start = datetime(2027, 1, 31, 8, 0, tzinfo=UTC)
    assert add_periods(start, 1, "months", 1) == datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    assert add_periods(start, 1, "years", 2) == datetime(2029, 1, 31, 8, 0, tzinfo=UTC)
    assert add_periods(start, 10, "days", 3) == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


def _spec(percent: str, free_shipping: bool, cap: str | None = None) -> SegmentDiscounts:
    return SegmentDiscounts(
        name="x",
        segment_name="x",
        tag="x",
        code=f"CODE-{percent}",
        discount_percent=Decimal(percent),
        free_shipping=free_shipping,
        max_shipping_price=Decimal(cap) if cap else None,
    )


def test_stacking_takes_the_better_of_each_perk() -> None:
    gold = _spec("10", free_shipping=False)
    paid = _spec("5", free_shipping=True, cap="8.00")

    perks = best_of(gold, Decimal("1.25"), paid, Decimal("2"))

    assert (perks.discount_percent, perks.discount_from, perks.discount_code) == (
        Decimal("10"),
        "tier",
        "CODE-10",
    )
    assert (perks.points_multiplier, perks.multiplier_from) == (Decimal("2"), "paid_membership")
    assert (perks.free_shipping, perks.free_express_shipping) == (True, False)
    assert perks.shipping_code == "CODE-5-SHIPPING"
    nothing = best_of(None, None, None, None)
    assert (nothing.discount_percent, nothing.points_multiplier, nothing.free_shipping) == (
        Decimal(0),
        Decimal(1),
        False,
    )


def test_a_gold_member_who_also_pays_earns_with_the_better_multiplier(
    shop: str,
    membership_on: Callable[..., dict[str, Any]],
    deliver: Callable[[str, dict[str, Any]], None],
    points_of: Callable[..., Any],
    admin: Callable[..., requests.Response],
) -> None:
    tiers = admin(
        "PUT",
        "/admin/api/settings/tiers",
        json={
            "tiers": [
                {
                    "name": "Gold",
                    "threshold": "100.00",
                    "points_multiplier": "1.5",
                    "discount_percent": "20",
                }
            ]
        },
    )
    assert tiers.status_code == 200, tiers.text
    membership_on(points_multiplier="3", discount_percent="10")
    customer_id = new_id()

    # The membership order itself earns at the members' rate: 49 x 3.
    deliver("orders/paid", order_with(customer_id, [membership_line(price="49.00")]))
    # Now also Gold (1.5): the paid tier's 3 is the better multiplier.
    deliver("orders/paid", order_with(customer_id, [other_line()]))

    balance = points_of(customer_id)
    assert balance.available + balance.pending == 49 * 3 + 30 * 3
