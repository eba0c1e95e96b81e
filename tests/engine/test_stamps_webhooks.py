"""Stamp cards through signed webhooks: joining, filling, completing, taking back.

The payload helpers at the top are shared with the rewards tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.cards import StampSummary, card_summary
from shopify_loyalty.stamps.models import TAKE_BACK, StampEntry
from tests.conftest import new_id, sample

CODE_PATTERN = r"LOY(-[2-9A-HJKMNP-Z]{4}){3}"
BEANIE = 8123409876542  # product ids of the sample order's two lines
SOCKS = 8123409909310


def customer_payload(customer_id: int) -> dict[str, Any]:
    return sample(
        "customers/create",
        id=customer_id,
        admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
        email=f"shopper-{customer_id}@example.com",
    )


def money_set(amount: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": "EUR"},
        "presentment_money": {"amount": amount, "currency_code": "EUR"},
    }


def paid_order(
    customer_id: int | None,
    order_id: int,
    *,
    subtotal: str = "40.00",
    product_id: int = BEANIE,
    line_item_id: int | None = None,
    quantity: int = 1,
    codes: tuple[str, ...] = (),
) -> dict[str, Any]:
    """An orders/paid payload with one line of ``product_id`` worth ``subtotal``."""
    line = {
        "id": line_item_id or order_id + 1,
        "product_id": product_id,
        "variant_id": 44120938475902,
        "title": "Merino Beanie",
        "quantity": quantity,
        "current_quantity": quantity,
        "price": subtotal,
        "total_discount": "0.00",
    }
    customer = (
        None
        if customer_id is None
        else {
            "id": customer_id,
            "email": f"shopper-{customer_id}@example.com",
            "first_name": "Maria",
            "last_name": "Keller",
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        }
    )
    return sample(
        "orders/paid",
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        name=f"#{order_id % 100000}",
        customer=customer,
        subtotal_price=subtotal,
        current_subtotal_price=subtotal,
        subtotal_price_set=money_set(subtotal),
        current_subtotal_price_set=money_set(subtotal),
        total_price=subtotal,
        current_total_price=subtotal,
        total_price_set=money_set(subtotal),
        total_discounts="0.00",
        discount_codes=[{"code": code, "amount": "5.00", "type": "fixed_amount"} for code in codes],
        line_items=[line],
    )


def refund(
    order_id: int, *, subtotal: str, line_item_id: int | None = None, quantity: int = 1
) -> dict[str, Any]:
    """A refunds/create payload giving back ``quantity`` of the order's line."""
    return sample(
        "refunds/create",
        id=new_id(),
        order_id=order_id,
        order_adjustments=[],
        refund_line_items=[
            {
                "id": new_id(),
                "line_item_id": line_item_id or order_id + 1,
                "quantity": quantity,
                "restock_type": "return",
                "subtotal": float(subtotal),
                "subtotal_set": money_set(subtotal),
                "total_tax": 0.0,
            }
        ],
        transactions=[
            {
                "id": new_id(),
                "order_id": order_id,
                "kind": "refund",
                "status": "success",
                "amount": subtotal,
                "currency": "EUR",
            }
        ],
    )


def cancellation(customer_id: int, order_id: int, subtotal: str = "40.00") -> dict[str, Any]:
    return sample(
        "orders/cancelled",
        id=order_id,
        admin_graphql_api_id=f"gid://shopify/Order/{order_id}",
        customer={"id": customer_id, "email": f"shopper-{customer_id}@example.com"},
        subtotal_price=subtotal,
        total_price=subtotal,
        discount_codes=[],
    )


def stamps_of(services: Services, shop: str, customer_id: int) -> StampSummary:
    with services.db.sessions() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = find_customer(session, shop_row, customer_id)
        assert customer is not None, f"customer {customer_id} was never recorded"
        return card_summary(session, shop_row, customer)


def standin_discounts(standin_url: str, shop: str) -> list[dict[str, Any]]:
    """The stand-in shop's discounts for single customers (tiers add segment discounts)."""
    response = requests.get(f"{standin_url}/_standin/shops/{shop}", timeout=10)
    response.raise_for_status()
    discounts: list[dict[str, Any]] = response.json()["discounts"]
    return [discount for discount in discounts if "customers" in discount["context"]]


def issued_codes(services: Services, shop: str) -> list[IssuedCode]:
    with services.db.sessions() as session:
        return list(
            session.scalars(
                select(IssuedCode)
                .join(Shop, Shop.id == IssuedCode.shop_id)
                .where(Shop.domain == shop)
                .order_by(IssuedCode.id)
            )
        )


def take_backs(services: Services, shop: str, order_id: int) -> list[StampEntry]:
    with services.db.sessions() as session:
        return list(
            session.scalars(
                select(StampEntry)
                .join(Shop, Shop.id == StampEntry.shop_id)
                .where(
                    Shop.domain == shop,
                    StampEntry.shopify_order_id == order_id,
                    StampEntry.kind == TAKE_BACK,
                )
            )
        )


Deliver = Callable[..., requests.Response]
Configure = Callable[..., dict[str, Any]]
Stamps = Callable[[int], StampSummary]


@pytest.fixture
def configure(http: requests.Session, admin_headers: dict[str, str]) -> Configure:
    """Change stamp card settings as the merchant does (``PUT /admin/api/settings/stamps``)."""

    def put(**changes: Any) -> dict[str, Any]:
        response = http.put("/admin/api/settings/stamps", json=changes, headers=admin_headers)
        assert response.status_code == 200, response.text
        settings: dict[str, Any] = response.json()["settings"]
        return settings

    return put


@pytest.fixture
def stamps(services: Services, shop: str) -> Stamps:
    return lambda customer_id: stamps_of(services, shop, customer_id)


def pay_orders(deliver: Deliver, customer_id: int, count: int, **order: Any) -> list[int]:
    order_ids = [new_id() for _ in range(count)]
    for order_id in order_ids:
        deliver("orders/paid", paid_order(customer_id, order_id, **order))
    return order_ids


def test_a_customer_who_joins_has_the_head_start(
    deliver: Deliver,
    stamps: Stamps,
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer_id = new_id()

    deliver("customers/create", customer_payload(customer_id))

    assert stamps(customer_id) == StampSummary(
        collected=2, required=10, head_start=2, completed_cards=0
    )
    assert customer_view(customer_id)["stamps"] == {"collected": 2, "required": 10}


def test_joining_twice_gives_the_head_start_once(deliver: Deliver, stamps: Stamps) -> None:
    customer_id = new_id()
    deliver("customers/create", customer_payload(customer_id))

    deliver("customers/create", customer_payload(customer_id))

    assert stamps(customer_id).collected == 2


def test_a_first_paid_order_of_a_customer_never_seen_joining_adds_the_head_start(
    deliver: Deliver, stamps: Stamps
) -> None:
    customer_id = new_id()

    pay_orders(deliver, customer_id, 1)
    deliver("customers/create", customer_payload(customer_id))  # arrives late

    assert stamps(customer_id).collected == 3


def test_eight_orders_complete_the_card_issue_one_code_and_open_the_next_with_the_head_start(
    deliver: Deliver,
    stamps: Stamps,
    services: Services,
    shop: str,
    standin: Any,
) -> None:
    customer_id = new_id()
    deliver("customers/create", customer_payload(customer_id))

    order_ids = pay_orders(deliver, customer_id, 8)
    deliver("orders/paid", paid_order(customer_id, order_ids[-1]))  # a repeated delivery

    assert stamps(customer_id) == StampSummary(
        collected=2, required=10, head_start=2, completed_cards=1
    )
    [issued] = issued_codes(services, shop)
    [discount] = standin_discounts(standin.url, shop)
    assert (issued.source, issued.status, issued.shopify_discount_id) == (
        "stamp_card",
        "issued",
        discount["id"],
    )
    assert re.fullmatch(CODE_PATTERN, issued.code)
    assert discount["code"] == issued.code
    assert discount["kind"] == "basic"
    assert discount["context"] == {"customers": [f"gid://shopify/Customer/{customer_id}"]}
    assert discount["usage_limit"] == 1
    assert discount["applies_once_per_customer"] is True
    assert discount["value"] == {"percentage": 0.15}
    assert discount["status"] == "ACTIVE"


def test_the_next_card_opens_empty_without_head_start_on_next_card(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    configure(card_size=4, head_start_on_next_card=False)
    customer_id = new_id()

    pay_orders(deliver, customer_id, 2)  # the head start of 2 and 2 stamps fill the card

    assert stamps(customer_id) == StampSummary(
        collected=0, required=4, head_start=2, completed_cards=1
    )


def test_orders_below_the_minimum_subtotal_earn_no_stamp(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    configure(minimum_order_subtotal="25.00")
    customer_id = new_id()

    pay_orders(deliver, customer_id, 1, subtotal="24.99")
    pay_orders(deliver, customer_id, 1, subtotal="25.00")

    assert stamps(customer_id).collected == 3


def test_only_orders_containing_a_qualifying_product_earn_a_stamp(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    configure(qualifying_product_ids=[SOCKS])
    customer_id = new_id()

    pay_orders(deliver, customer_id, 2, product_id=BEANIE)
    pay_orders(deliver, customer_id, 1, product_id=SOCKS, quantity=3)

    assert stamps(customer_id).collected == 3


def test_a_full_refund_delivered_twice_takes_the_stamp_back_once(
    deliver: Deliver,
    stamps: Stamps,
    sender: Any,
    settle: Any,
    shop: str,
    services: Services,
) -> None:
    customer_id = new_id()
    [order_id] = pay_orders(deliver, customer_id, 1)
    payload = refund(order_id, subtotal="40.00")

    deliver("refunds/create", payload, event_id="refund-event-1")
    deliver("refunds/create", payload, event_id="refund-event-1")  # Shopify's retry
    deliver("refunds/create", payload)  # the same refund under a new event id

    assert stamps(customer_id).collected == 2
    assert [entry.stamps for entry in take_backs(services, shop, order_id)] == [-1]


def test_a_refund_and_a_cancellation_of_one_order_take_its_stamp_back_once(
    deliver: Deliver, stamps: Stamps, services: Services, shop: str
) -> None:
    customer_id = new_id()
    [order_id] = pay_orders(deliver, customer_id, 1)

    deliver("orders/cancelled", cancellation(customer_id, order_id))
    deliver("refunds/create", refund(order_id, subtotal="40.00"))
    deliver("orders/cancelled", cancellation(customer_id, order_id))

    assert stamps(customer_id).collected == 2
    assert len(take_backs(services, shop, order_id)) == 1


def test_a_refund_arriving_before_its_paid_order_means_no_stamp(
    deliver: Deliver, stamps: Stamps
) -> None:
    customer_id = new_id()
    order_id = new_id()

    deliver("refunds/create", refund(order_id, subtotal="40.00"))
    deliver("orders/paid", paid_order(customer_id, order_id))

    assert stamps(customer_id).collected == 2  # joined, but the order earns nothing


def test_a_cancellation_arriving_before_its_paid_order_means_no_stamp(
    deliver: Deliver, stamps: Stamps
) -> None:
    customer_id = new_id()
    order_id = new_id()

    deliver("orders/cancelled", cancellation(customer_id, order_id))
    deliver("orders/paid", paid_order(customer_id, order_id))

    assert stamps(customer_id).collected == 2


def test_a_partial_refund_keeps_the_stamp_until_the_order_falls_below_the_minimum(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    configure(minimum_order_subtotal="30.00")
    customer_id = new_id()
    [order_id] = pay_orders(deliver, customer_id, 1, subtotal="50.00", quantity=5)

    deliver("refunds/create", refund(order_id, subtotal="20.00", quantity=2))
    kept = stamps(customer_id).collected
    deliver("refunds/create", refund(order_id, subtotal="10.00", quantity=1))

    assert (kept, stamps(customer_id).collected) == (3, 2)


def test_refunding_the_qualifying_items_takes_the_stamp_back(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    configure(qualifying_product_ids=[SOCKS])
    customer_id = new_id()
    [order_id] = pay_orders(deliver, customer_id, 1, product_id=SOCKS, quantity=2)

    deliver("refunds/create", refund(order_id, subtotal="8.00", quantity=1))
    kept = stamps(customer_id).collected
    deliver("refunds/create", refund(order_id, subtotal="8.00", quantity=1))

    assert (kept, stamps(customer_id).collected) == (3, 2)


def test_taking_back_a_stamp_of_a_completed_card_keeps_the_reward_and_records_it(
    deliver: Deliver,
    stamps: Stamps,
    services: Services,
    shop: str,
    standin: Any,
) -> None:
    customer_id = new_id()
    order_ids = pay_orders(deliver, customer_id, 7)  # 2 + 7 = 9 of 10
    pay_orders(deliver, customer_id, 1)  # completes card 1, card 2 opens with 2

    deliver("refunds/create", refund(order_ids[0], subtotal="40.00"))

    assert stamps(customer_id) == StampSummary(
        collected=2, required=10, head_start=2, completed_cards=1
    )
    [entry] = take_backs(services, shop, order_ids[0])
    assert (entry.card_number, entry.stamps) == (1, 0)
    assert [code.status for code in issued_codes(services, shop)] == ["issued"]
    assert len(standin_discounts(standin.url, shop)) == 1


def test_test_orders_and_disabled_stamp_cards_earn_no_stamps(
    deliver: Deliver, stamps: Stamps, configure: Configure
) -> None:
    customer_id = new_id()
    deliver("customers/create", customer_payload(customer_id))
    test_order = paid_order(customer_id, new_id())
    test_order["test"] = True
    deliver("orders/paid", test_order)
    configure(enabled=False)

    pay_orders(deliver, customer_id, 1)

    assert stamps(customer_id).collected == 2


def test_the_merchant_reads_and_changes_stamp_settings_with_their_limits_named(
    http: requests.Session, admin_headers: dict[str, str], configure: Configure
) -> None:
    shown = http.get("/admin/api/settings/stamps", headers=admin_headers)
    refused = http.put(
        "/admin/api/settings/stamps", json={"card_size": 5, "head_start": 5}, headers=admin_headers
    )
    changed = configure(card_size=6, reward={"kind": "fixed_amount", "value": "4"})

    assert shown.status_code == 200
    assert shown.json()["settings"] == {
        "enabled": True,
        "card_size": 10,
        "head_start": 2,
        "minimum_order_subtotal": "0",
        "qualifying_product_ids": [],
        "head_start_on_next_card": True,
        "reward": {
            "title": "",
            "kind": "percentage",
            "value": "15",
            "minimum_order": None,
            "expiry_days": 90,
        },
    }
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "error": "invalid",
            "message": "head_start must be a whole number from 0 to 4 "
            "(fewer than the card_size of 5)",
            "field": "head_start",
        },
    )
    assert (changed["card_size"], changed["head_start"]) == (6, 2)
    assert changed["reward"] == {
        "title": "",
        "kind": "fixed_amount",
        "value": "4",
        "minimum_order": None,
        "expiry_days": 90,
    }
