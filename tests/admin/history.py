"""A shop's known history, delivered through /webhooks and the admin API, with every KPI
it implies worked out by hand in tests/admin/test_kpis.py.

Days are counted back from today (UTC); the period under test is the last 30 days, from
T-29 to T. The shop sells in euros. Stamp cards hold 4 stamps with a head start of 2
and need 5.00 per order.

- Anna: account created (100 points); orders 40.00 at T-100, 60.00 at T-10, 30.00 at T-5;
  +400 and -20 by hand; redeems the 500-point reward; answers very satisfied, 10.
- Ben: one order 50.00 at T-380 (a customer at the start, lapsed by the end).
- Cleo: orders 0.50 at T-50 and 0.80 at T-3: they earn no points, so she is no member.
- Dan: first order 300.00 at T-7 (a new customer; Silver, entry reward 100 points);
  answers satisfied, 9.
- Eve: an order 25.00 at T-4, cancelled; a test order 90.00 at T-4.
- Finn: orders 10.00 at T-300 and 20.00 at T-2, 5.00 of which refunded; answers not
  satisfied, 3.
- A guest order 70.00 at T-1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import requests
from sqlalchemy import select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.feedback import record_feedback
from tests.conftest import new_id, sample

CURRENCY = "EUR"  # the stand-in shops' currency (tests/conftest.py install)


@dataclass(frozen=True)
class History:
    today: date
    anna: int
    ben: int
    cleo: int
    dan: int
    eve: int
    finn: int

    @property
    def first(self) -> date:
        return self.today - timedelta(days=29)


def day(today: date, days_ago: int) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=UTC)


def paid_order(
    order_id: int,
    customer_id: int | None,
    subtotal: str,
    paid_at: datetime,
    name: str = "",
    **changes: Any,
) -> dict[str, Any]:
    payload = sample("orders/paid", id=order_id, **changes)
    if customer_id is None:
        payload["customer"] = None
    else:
        first, last = name.split(" ") if name else ("Guest", str(customer_id))
        payload["customer"].update(
            id=customer_id,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}.{last.lower()}@example.com",
        )
        payload["email"] = payload["contact_email"] = payload["customer"]["email"]
    payload["subtotal_price"] = payload["current_subtotal_price"] = subtotal
    payload["subtotal_price_set"] = {
        "shop_money": {"amount": subtotal, "currency_code": CURRENCY},
        "presentment_money": {"amount": subtotal, "currency_code": CURRENCY},
    }
    payload["currency"] = payload["presentment_currency"] = CURRENCY
    payload["discount_codes"] = []
    payload["note_attributes"] = []
    payload["landing_site"] = "/"
    payload["created_at"] = payload["processed_at"] = paid_at.isoformat()
    return payload


def refund(refund_id: int, order_id: int, amount: str) -> dict[str, Any]:
    payload = sample("refunds/create", id=refund_id, order_id=order_id)
    line = payload["refund_line_items"][0]
    line["subtotal"] = amount
    for money in ("shop_money", "presentment_money"):
        line["subtotal_set"][money] = {"amount": amount, "currency_code": CURRENCY}
    return payload


def seed_history(
    deliver: Callable[..., requests.Response],
    http: requests.Session,
    headers: dict[str, str],
    services: Services,
    shop: str,
    settle: Callable[..., None],
) -> History:
    today = datetime.now(UTC).date()
    h = History(today, new_id(), new_id(), new_id(), new_id(), new_id(), new_id())
    names = {
        h.anna: "Anna Berg",
        h.ben: "Ben Cole",
        h.cleo: "Cleo Diaz",
        h.dan: "Dan Eklund",
        h.eve: "Eve Fox",
        h.finn: "Finn Gray",
    }
    stamps: dict[str, Any] = {"card_size": 4, "head_start": 2, "minimum_order_subtotal": "5.00"}
    assert http.put("/admin/api/settings/stamps", json=stamps, headers=headers).ok

    deliver(
        "customers/create",
        sample(
            "customers/create",
            id=h.anna,
            email="anna@example.com",
            first_name="Anna",
            last_name="Berg",
        ),
    )
    orders: dict[str, int] = {}

    def order(name: str, customer: int | None, subtotal: str, days_ago: int, **kw: Any) -> None:
        orders[name] = new_id()
        payload = paid_order(
            orders[name],
            customer,
            subtotal,
            day(today, days_ago),
            names.get(customer or 0, ""),
            **kw,
        )
        deliver("orders/paid", payload)

    order("anna1", h.anna, "40.00", 100)
    order("anna2", h.anna, "60.00", 10)
    order("anna3", h.anna, "30.00", 5)
    order("ben1", h.ben, "50.00", 380)
    order("cleo1", h.cleo, "0.50", 50)
    order("cleo2", h.cleo, "0.80", 3)
    order("eve1", h.eve, "25.00", 4)
    order("eve_test", h.eve, "90.00", 4, test=True)
    order("finn1", h.finn, "10.00", 300)
    order("finn2", h.finn, "20.00", 2)
    order("guest", None, "70.00", 1)
    order("dan1", h.dan, "300.00", 7)
    cancelled = sample(
        "orders/cancelled", id=orders["eve1"], cancelled_at=day(today, 3).isoformat()
    )
    cancelled["customer"].update(
        id=h.eve, first_name="Eve", last_name="Fox", email="eve.fox@example.com"
    )
    deliver("orders/cancelled", cancelled)
    deliver("refunds/create", refund(new_id(), orders["finn2"], "5.00"))

    base = f"/admin/api/customers/{h.anna}"
    for points, reason in ((400, "Moved from our old programme"), (-20, "Duplicate credit")):
        response = http.post(
            f"{base}/adjustments", json={"points": points, "reason": reason}, headers=headers
        )
        assert response.status_code == 201, response.text
    rewards = http.get("/admin/api/rewards", headers=headers).json()["rewards"]
    five_off = next(r for r in rewards if r["points_cost"] == 500)
    response = http.post(f"{base}/redemptions", json={"reward_id": five_off["id"]}, headers=headers)
    assert response.status_code == 201, response.text

    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        for customer_id, order_name, level, score in (
            (h.anna, "anna2", "very_satisfied", 10),
            (h.dan, "dan1", "satisfied", 9),
            (h.finn, "finn2", "not_satisfied", 3),
        ):
            customer = find_customer(session, shop_row, customer_id)
            assert customer is not None
            record_feedback(session, shop_row, customer, orders[order_name], level, score)
    settle()
    return h
