"""Property: however paid, refund and cancel deliveries of a few orders interleave, and
however often they are repeated, the customer holds exactly what the rules say, never less
than nothing, and replaying every event again changes nothing.

The rules, restated here independently of the code: an order of ``c`` cents earns
``c // 100`` points (pending for 14 days after payment, spendable after); refunds of ``r``
cents in total take back ``earned * r // c`` of them (everything once ``r >= c``); a
cancellation takes back everything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from shopify_loyalty.db import utcnow
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id, sample

ORDERS_AT_MOST = 3
REPEATS_AT_MOST = 3


@pytest.fixture
def points_only(shop: str, http: requests.Session, admin_headers: dict[str, str]) -> None:
    """No tiers: a tier's entry bonus and multiplier would change what orders earn."""
    response = http.put("/admin/api/settings/tiers", json={"tiers": []}, headers=admin_headers)
    assert response.status_code == 200, response.text


@dataclass(frozen=True)
class PlannedOrder:
    cents: int
    paid_long_ago: bool
    refunds: tuple[int, ...]
    cancelled: bool


@dataclass(frozen=True)
class Event:
    """One fact Shopify tells us: ``kind`` of order ``order`` (``refund`` its nth refund)."""

    kind: str
    order: int
    refund: int = 0


@dataclass
class History:
    orders: list[PlannedOrder]
    deliveries: list[tuple[Event, bool]]  # the event, and whether it is a Shopify retry
    ids: dict[str, int] = field(default_factory=dict)


planned_orders = st.builds(
    PlannedOrder,
    cents=st.integers(min_value=0, max_value=40_000),
    paid_long_ago=st.booleans(),
    refunds=st.lists(st.integers(min_value=1, max_value=40_000), max_size=2).map(tuple),
    cancelled=st.booleans(),
)


@st.composite
def histories(draw: st.DrawFn) -> History:
    orders = draw(st.lists(planned_orders, min_size=1, max_size=ORDERS_AT_MOST))
    events = []
    for index, order in enumerate(orders):
        events.append(Event("paid", index))
        events.extend(Event("refund", index, number) for number in range(len(order.refunds)))
        if order.cancelled:
            events.append(Event("cancel", index))
    arrival = list(draw(st.permutations(events)))
    repeats = draw(
        st.lists(
            st.tuples(st.sampled_from(events), st.integers(0, len(arrival)), st.booleans()),
            max_size=REPEATS_AT_MOST,
        )
    )
    deliveries = [(event, False) for event in arrival]
    for event, position, is_retry in repeats:
        # A retry repeats the delivery's ids; otherwise the same fact comes with new ones.
        deliveries.insert(position, (event, is_retry))
    return History(orders=orders, deliveries=deliveries)


def expected_balance(history: History, delivered: set[Event]) -> Balance:
    available = pending = 0
    for index, order in enumerate(history.orders):
        if Event("paid", index) not in delivered:
            continue
        earned = order.cents // 100
        refunded = sum(
            cents
            for number, cents in enumerate(order.refunds)
            if Event("refund", index, number) in delivered
        )
        if Event("cancel", index) in delivered or (refunded and refunded >= order.cents):
            taken = earned
        else:
            taken = earned * refunded // order.cents if order.cents else 0
        if order.paid_long_ago:
            available += earned - taken
        else:
            pending += earned - taken
    return Balance(available=available, pending=pending)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def payload_of(history: History, event: Event, customer: int) -> tuple[str, dict[str, Any]]:
    order = history.orders[event.order]
    order_id = history.ids.setdefault(f"order-{event.order}", new_id())
    if event.kind == "paid":
        paid_at = utcnow() - timedelta(days=30 if order.paid_long_ago else 0)
        payload = sample("orders/paid", id=order_id, processed_at=paid_at.isoformat())
        payload["customer"]["id"] = customer
        # No referral code, so only the points rules are at work.
        payload["landing_site"], payload["note_attributes"] = "/", []
        payload["subtotal_price"] = payload["current_subtotal_price"] = money(order.cents)
        payload["subtotal_price_set"]["shop_money"]["amount"] = money(order.cents)
        return "orders/paid", payload
    if event.kind == "refund":
        refund_id = history.ids.setdefault(f"refund-{event.order}-{event.refund}", new_id())
        payload = sample("refunds/create", id=refund_id, order_id=order_id)
        line = payload["refund_line_items"][0]
        line["subtotal"] = money(order.refunds[event.refund])
        line["subtotal_set"]["shop_money"]["amount"] = money(order.refunds[event.refund])
        return "refunds/create", payload
    payload = sample("orders/cancelled", id=order_id)
    payload["customer"]["id"] = customer
    return "orders/cancelled", payload


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=histories())
@pytest.mark.usefixtures("points_only")
def test_any_interleaving_of_order_events_leaves_exactly_what_the_rules_say(
    history: History,
    sender: WebhookSender,
    settle: Callable[[], None],
    shop: str,
    services: Services,
    points_of: Callable[..., Balance],
) -> None:
    customer = new_id()
    delivered: set[Event] = set()
    first_ids: dict[Event, tuple[str, str]] = {}

    def send(event: Event, is_retry: bool, *, wait: bool = True) -> None:
        topic, payload = payload_of(history, event, customer)
        ids = (str(uuid.uuid4()), str(uuid.uuid4()))
        if is_retry:
            ids = first_ids.setdefault(event, ids)
        else:
            first_ids.setdefault(event, ids)
        response = sender.deliver(shop, topic, payload, event_id=ids[0], webhook_id=ids[1])
        assert response.status_code == 200, response.text
        if wait:
            settle()

    for event, is_retry in history.deliveries:
        send(event, is_retry)
        delivered.add(event)
        balance = points_of(customer)
        assert balance.available >= 0 and balance.pending >= 0
        assert balance == expected_balance(history, delivered)
    rows_before = ledger_rows(services, history)

    for event in delivered:
        send(event, is_retry=False, wait=False)
    settle()

    assert points_of(customer) == expected_balance(history, delivered)
    assert ledger_rows(services, history) == rows_before
    for index, order in enumerate(history.orders):
        earned = order.cents // 100
        taken = -sum(points for points in rows_before.get(index, []) if points < 0)
        assert 0 <= taken <= earned


def ledger_rows(services: Services, history: History) -> dict[int, list[int]]:
    """Each planned order's ledger rows (their points), by the order's position."""
    positions = {
        order_id: int(name.split("-")[1])
        for name, order_id in history.ids.items()
        if name.startswith("order-")
    }
    with services.db.sessions() as session:
        rows = session.execute(
            select(LedgerEntry.shopify_order_id, LedgerEntry.points)
            .where(LedgerEntry.shopify_order_id.in_(positions))
            .order_by(LedgerEntry.id)
        ).all()
        count = session.scalar(
            select(func.count()).where(LedgerEntry.shopify_order_id.in_(positions))
        )
    assert count == len(rows)
    by_order: dict[int, list[int]] = {}
    for order_id, points in rows:
        assert order_id is not None
        by_order.setdefault(positions[order_id], []).append(points)
    return by_order
