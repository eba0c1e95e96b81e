"""Stamp card arithmetic against a plain model, and the cached cards against their rebuild.

Random histories of paid orders, refunds and cancellations (in any order) are applied
through the domain functions on the real database; afterwards the cached card must equal
what the stamp entries add up to, and both must equal a model written from the rules.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.records import PaidOrder, record_paid_order
from shopify_loyalty.programs.config import save
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import UNINSTALLED, Shop
from shopify_loyalty.stamps.cards import (
    CardState,
    card_summary,
    rebuild_card,
    repair_card,
    stamp_order,
    take_back_stamp,
)
from shopify_loyalty.stamps.lines import OrderLine, RefundedItems
from shopify_loyalty.stamps.models import StampCard
from shopify_loyalty.stamps.rules import StampConfig

ORDERS = 5
PRODUCT = 8123409876542

ids = count(7_000_000_000_000)


@dataclass
class OrderModel:
    paid: bool = False
    subtotal: Decimal = Decimal("0.00")
    minimum: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    cancelled: bool = False

    def qualifies(self) -> bool:
        left = self.subtotal - self.refunded
        return self.paid and not self.cancelled and left > 0 and left >= self.minimum


@dataclass
class CardModel:
    """The rules of the stamps module docstring, written out plainly."""

    card_size: int
    head_start: int
    next_card_head_start: int
    minimum: Decimal
    joined: bool = False
    card: int = 1
    collected: int = 0
    completed: int = 0
    orders: dict[int, OrderModel] = field(default_factory=dict)
    stamped_on: dict[int, int] = field(default_factory=dict)
    taken_back: set[int] = field(default_factory=set)

    def pay(self, order: int, subtotal: Decimal) -> None:
        facts = self.orders.setdefault(order, OrderModel())
        if facts.paid:
            return
        facts.paid, facts.subtotal, facts.minimum = True, subtotal, self.minimum
        if not self.joined:
            self.joined, self.collected = True, self.head_start
        if facts.qualifies():
            self.stamped_on[order] = self.card
            self.collected += 1
            if self.collected >= self.card_size:
                self.completed += 1
                self.card += 1
                self.collected = self.next_card_head_start

    def refund(self, order: int, amount: Decimal) -> None:
        self.orders.setdefault(order, OrderModel()).refunded += amount
        self._take_back(order)

    def cancel(self, order: int) -> None:
        self.orders.setdefault(order, OrderModel()).cancelled = True
        self._take_back(order)

    def _take_back(self, order: int) -> None:
        if order not in self.stamped_on or order in self.taken_back:
            return
        if self.orders[order].qualifies():
            return
        self.taken_back.add(order)
        if self.stamped_on[order] == self.card:
            self.collected -= 1


@pytest.fixture
def model_shop(services: Services) -> Iterator[int]:
    """A shop row of its own; uninstalled, so the reward-code jobs it queues stop at once."""
    with services.db.transaction() as session:
        shop = Shop(
            domain="stamp-model.myshopify.com",
            install_method="custom_app",
            status=UNINSTALLED,
            currency="EUR",
        )
        session.add(shop)
        session.flush()
        shop_id = shop.id
    yield shop_id


def apply_history(
    services: Services, shop_id: int, model: CardModel, history: list[tuple[str, int, str]]
) -> int:
    """Apply the history to a new customer through the domain functions; returns its id."""
    shopify_customer_id = next(ids)
    order_ids = [next(ids) for _ in range(ORDERS)]
    with services.db.transaction() as session:
        shop = _shop(session, shop_id)
        customer_id = record_customer(session, shop, CustomerDetails(shopify_customer_id)).id
    for action, index, amount in history:
        order_id = order_ids[index]
        with services.db.transaction() as session:
            shop = _shop(session, shop_id)
            customer = session.get(Customer, customer_id)
            assert customer is not None
            if action == "pay":
                order = record_paid_order(
                    session,
                    shop,
                    PaidOrder(
                        shopify_order_id=order_id,
                        customer=customer,
                        name=None,
                        currency="EUR",
                        subtotal=Decimal(amount),
                        total_price=Decimal(amount),
                        paid_at=utcnow(),
                    ),
                )
                lines = (OrderLine(order_id + 1, PRODUCT, 1),)
                stamp_order(session, shop, customer, order, lines)
                model.pay(index, order.subtotal)
            elif action == "refund":
                refund = RefundedItems(next(ids), Decimal(amount), {order_id + 1: 1})
                take_back_stamp(session, shop, order_id, refund=refund)
                model.refund(index, Decimal(amount))
            else:
                take_back_stamp(session, shop, order_id, cancelled_at=utcnow())
                model.cancel(index)
    return customer_id


def _shop(session: Session, shop_id: int) -> Shop:
    shop = session.get(Shop, shop_id)
    assert shop is not None
    return shop


events = st.tuples(
    st.sampled_from(["pay", "pay", "refund", "cancel"]),
    st.integers(min_value=0, max_value=ORDERS - 1),
    st.sampled_from(["10.00", "25.00", "40.00"]),
)
configs = st.integers(min_value=2, max_value=4).flatmap(
    lambda size: st.tuples(
        st.just(size),
        st.integers(min_value=0, max_value=size - 1),
        st.booleans(),
        st.sampled_from(["0", "20.00"]),
    )
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(config=configs, history=st.lists(events, min_size=1, max_size=14))
def test_cached_cards_equal_their_rebuild_and_the_rules_in_any_order_of_events(
    services: Services,
    model_shop: int,
    config: tuple[int, int, bool, str],
    history: list[tuple[str, int, str]],
) -> None:
    card_size, head_start, on_next_card, minimum = config
    with services.db.transaction() as session:
        save(
            session,
            _shop(session, model_shop),
            StampConfig,
            {
                "card_size": card_size,
                "head_start": head_start,
                "head_start_on_next_card": on_next_card,
                "minimum_order_subtotal": minimum,
            },
        )
    model = CardModel(card_size, head_start, head_start if on_next_card else 0, Decimal(minimum))

    customer_id = apply_history(services, model_shop, model, history)

    with services.db.sessions() as session:
        shop = _shop(session, model_shop)
        customer = session.get(Customer, customer_id)
        assert customer is not None
        cached = session.scalar(select(StampCard).where(StampCard.customer_id == customer_id))
        rebuilt = rebuild_card(session, shop, customer)
        summary = card_summary(session, shop, customer)
        codes = session.scalar(
            select(func.count(IssuedCode.id)).where(IssuedCode.customer_id == customer_id)
        )
    if not model.joined:
        assert (cached, rebuilt) == (None, None)
        return
    assert cached is not None
    assert rebuilt == CardState(cached.card_number, cached.collected, cached.completed_cards)
    assert (summary.collected, summary.completed_cards) == (model.collected, model.completed)
    assert rebuilt.card_number == model.card
    assert codes == model.completed


def test_repair_card_brings_a_damaged_cache_back_to_the_entries(
    services: Services, model_shop: int
) -> None:
    model = CardModel(10, 2, 2, Decimal("0"))  # the default settings
    customer_id = apply_history(
        services, model_shop, model, [("pay", 0, "10.00"), ("pay", 1, "10.00")]
    )
    with services.db.transaction() as session:
        card = session.scalars(select(StampCard).where(StampCard.customer_id == customer_id)).one()
        card.collected, card.completed_cards = 9, 4

    with services.db.transaction() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        repaired = repair_card(session, _shop(session, model_shop), customer)
        assert repaired is not None
        state = (repaired.card_number, repaired.collected, repaired.completed_cards)

    assert state == (1, 4, 0)


def test_orders_of_one_customer_stamped_at_the_same_moment_each_get_their_own_slot(
    services: Services, model_shop: int
) -> None:
    if services.settings.uses_sqlite:
        pytest.skip(
            "SQLite runs one write transaction at a time (BEGIN IMMEDIATE), so there is no "
            "race to lose; the card's row lock is proven on PostgreSQL"
        )
    model = CardModel(10, 2, 2, Decimal("0"))  # the default settings
    customer_id = apply_history(services, model_shop, model, [("pay", 0, "40.00")])
    start = threading.Barrier(7)
    failures: list[BaseException] = []

    def pay(order_id: int) -> None:
        try:
            with services.db.transaction() as session:
                shop = _shop(session, model_shop)
                customer = session.get(Customer, customer_id)
                assert customer is not None
                order = record_paid_order(
                    session,
                    shop,
                    PaidOrder(
                        order_id,
                        customer,
                        None,
                        "EUR",
                        Decimal("40.00"),
                        Decimal("40.00"),
                        paid_at=utcnow(),
                    ),
                )
                start.wait(10)
                stamp_order(session, shop, customer, order, (OrderLine(order_id + 1, PRODUCT, 1),))
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    threads = [threading.Thread(target=pay, args=(next(ids),)) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert failures == []
    with services.db.sessions() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        summary = card_summary(session, _shop(session, model_shop), customer)
        rebuilt = rebuild_card(session, _shop(session, model_shop), customer)
        codes = session.scalar(
            select(func.count(IssuedCode.id)).where(IssuedCode.customer_id == customer_id)
        )
    # 2 to start + 1 + 7 = 10: the card is full once, and card 2 opens with the head start.
    assert (summary.collected, summary.completed_cards, codes) == (2, 1, 1)
    assert rebuilt == CardState(2, 2, 1)
