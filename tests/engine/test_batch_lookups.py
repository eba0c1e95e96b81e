"""A batch of paid orders reads ahead what its orders look up, once for the whole batch, and
what it read stays true while the batch's own events write those rows.

The lookups read ahead: reward codes issued by the app, members' referral codes, affiliate
codes and the refunds recorded before a paid order. Each writer of those rows in the
transaction keeps the read-ahead true (``test_batched_apply`` shows a whole batch leaving
what one transaction per event leaves).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.accounts import create_affiliate
from shopify_loyalty.affiliates.codes import create_code, find_codes, look_up_codes
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.inbox.worker import InboxWorker
from shopify_loyalty.orders.models import Order
from shopify_loyalty.orders.records import PaidOrder, record_paid_order, record_refund
from shopify_loyalty.points.order_facts import (
    look_up_refunds,
    order_refunds,
    sync_refunded_subtotal,
)
from shopify_loyalty.referrals import codes as referral_codes
from shopify_loyalty.referrals.codes import (
    find_codes_named,
    look_up_codes_named,
    referral_code_for,
)
from shopify_loyalty.referrals.customer_data import erase_referral_code
from shopify_loyalty.rewards import issuing
from shopify_loyalty.rewards.issuing import issue_reward_code
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.rewards.spec import RewardSpec
from shopify_loyalty.rewards.usage import look_up_issued_codes, record_code_usage
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.engine.conftest import deliver_all
from tests.engine.test_batched_apply import paid, refund, with_codes

ORDER = 7_800_000_000_001


@dataclass
class Rows:
    session: Session
    shop: Shop
    customer: Customer


@pytest.fixture
def rows(services: Services, shop: str) -> Iterator[Rows]:
    """A transaction on the installed shop with one customer, rolled back at the end."""
    with services.db.sessions() as session, session.begin():
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = record_customer(
            session,
            shop_row,
            CustomerDetails(shopify_customer_id=6_800_000_000_001, first_name="Maria"),
        )
        yield Rows(session, shop_row, customer)
        session.rollback()


def test_a_reward_code_issued_after_the_read_ahead_is_found_by_a_later_order(
    rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, shop = rows.session, rows.shop
    look_up_issued_codes(session, [(shop, [" thanks-fresh "])])
    monkeypatch.setattr(issuing, "new_code", lambda: "THANKS-FRESH")
    issued = issue_reward_code(
        session,
        shop,
        rows.customer,
        RewardSpec(title="5.00 off", kind="fixed_amount", value=Decimal("5.00")),
        source="stamp_card",
        key="fresh",
    )
    order = record_paid_order(
        session,
        shop,
        PaidOrder(
            shopify_order_id=ORDER,
            customer=rows.customer,
            name="#1",
            currency="EUR",
            subtotal=Decimal("20.00"),
            total_price=Decimal("20.00"),
            discount_codes=("thanks-fresh",),
        ),
    )

    assert record_code_usage(session, shop, order) == [issued]
    assert session.get(IssuedCode, issued.id) is issued
    assert issued.used_shopify_order_id == ORDER


def test_a_referral_code_made_after_the_read_ahead_is_found_by_friend_and_link_code(
    rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, shop = rows.session, rows.shop
    look_up_codes_named(session, [(shop, "friend-maria7abc")], [(shop, "maria7abc ")])
    monkeypatch.setattr(referral_codes, "candidate_codes", lambda shop, customer: ["MARIA7ABC"])

    made = referral_code_for(session, shop, rows.customer)

    assert find_codes_named(session, shop, ["Friend-Maria7abc"], [" maria7abc"]) == (
        {"FRIEND-MARIA7ABC": made},
        {"MARIA7ABC": made},
    )


def test_a_referral_code_erased_after_the_read_ahead_is_found_by_its_new_text_only(
    rows: Rows,
) -> None:
    session, shop = rows.session, rows.shop
    made = referral_code_for(session, shop, rows.customer)
    old = made.code
    look_up_codes_named(session, [(shop, f"FRIEND-{old}")], [(shop, old)])
    assert find_codes_named(session, shop, [f"FRIEND-{old}"], [old]) == (
        {f"FRIEND-{old}": made},
        {old: made},
    )

    erase_referral_code(session, shop, rows.customer)

    assert made.code != old
    assert find_codes_named(session, shop, [f"FRIEND-{old}"], [old]) == ({}, {})
    assert find_codes_named(session, shop, [made.friend_code], [made.code]) == (
        {made.friend_code: made},
        {made.code: made},
    )


def test_an_affiliate_code_made_after_the_read_ahead_is_found(rows: Rows) -> None:
    session, shop = rows.session, rows.shop
    look_up_codes(session, [(shop, "fresh15")])
    affiliate, _ = create_affiliate(
        session,
        shop,
        {
            "name": "Fresh Partner",
            "email": "fresh@partners.example",
            "commission_kind": "percentage",
            "commission_value": "10",
            "payout_method": "paypal",
            "payout_details": "fresh@partners.example",
        },
    )

    code = create_code(
        session,
        shop,
        affiliate.id,
        {"code": "fresh15", "discount_kind": "percentage", "discount_value": "15"},
    )

    assert find_codes(session, shop, [" Fresh15 ", "other1"]) == {"FRESH15": code}


def test_a_refund_recorded_after_the_read_ahead_is_in_the_orders_refunds(rows: Rows) -> None:
    session, shop = rows.session, rows.shop
    look_up_refunds(session, [(shop, ORDER)])
    assert order_refunds(session, shop, ORDER) == []

    recorded = record_refund(session, shop, 7_900_000_000_001, ORDER, Decimal("5.00"), None)

    assert order_refunds(session, shop, ORDER) == [recorded]


# What each looked-up kind's statements say, read ahead or one order's.
LOOKUPS = {
    "issued_codes": "issued_codes.code IN",
    "referral_codes": "referral_codes.friend_code IN",
    "affiliate_codes": "affiliate_codes.code IN",
    "refunds": "refunds.shopify_order_id",
}


@pytest.mark.usefixtures("worker_held")
def test_a_batch_sends_each_lookup_once_for_all_its_orders(
    shop: str, sender: WebhookSender, services: Services
) -> None:
    orders = [7_800_000_000_100 + n for n in range(5)]
    deliver_all(sender, shop, [refund(7_900_000_000_100, orders[2], "5.00")])
    worker = InboxWorker(services, batch_size=20)
    assert worker.run_until_idle() >= 1
    deliver_all(
        sender,
        shop,
        [
            with_codes(paid(order, 6_800_000_000_100 + n, "20.00"), [f"code{n}"], ref=f"ref{n}")
            for n, order in enumerate(orders)
        ],
    )
    sent: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            sent.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        assert worker.run_until_idle() >= len(orders)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)

    counts = {
        table: sum(
            1
            for statement in sent
            if statement.lstrip().startswith("SELECT")
            and f"FROM {table}" in statement
            and shape in statement
        )
        for table, shape in LOOKUPS.items()
    }
    assert counts == dict.fromkeys(LOOKUPS, 1)
    with services.db.sessions() as session:
        netted = session.scalars(
            select(Order.refunded_subtotal).where(Order.shopify_order_id == orders[2])
        ).one()
    assert netted == Decimal("5.00")


def test_a_paid_order_without_refunds_is_left_clean_and_one_with_a_refund_is_written(
    services: Services, shop: str
) -> None:
    # An order set to the refunded subtotal it holds would be flushed for nothing by the
    # next flush of every paid order.
    with services.db.transaction() as session:
        owner = session.scalars(select(Shop).where(Shop.domain == shop)).one()

        def paid(order_id: int) -> Order:
            return record_paid_order(
                session,
                owner,
                PaidOrder(order_id, None, "#1", "EUR", Decimal("30.00"), Decimal("30.00")),
            )

        plain = paid(7_500_000_000_001)
        assert sync_refunded_subtotal(session, owner, plain) == []
        assert plain not in session.dirty and plain.refunded_subtotal == Decimal("0.00")

        record_refund(session, owner, 7_600_000_000_001, 7_500_000_000_002, Decimal("5.00"), None)
        refunded = paid(7_500_000_000_002)
        assert len(sync_refunded_subtotal(session, owner, refunded)) == 1
        session.flush()
        session.expire(refunded)
        assert refunded.refunded_subtotal == Decimal("5.00")
        session.rollback()
