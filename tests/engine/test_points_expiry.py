"""Points expire after months without activity, never without a reminder first (when the
merchant asked for reminders), and only once per period of inactivity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import ExpiryReminder, LedgerEntry
from shopify_loyalty.points.periodic import run_periodic
from shopify_loyalty.points.rules import add_months
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]
RowsFor = Callable[[Session, int], tuple[Shop, Customer]]


def expire_after(
    http: requests.Session, headers: dict[str, str], months: int, reminder_days: int
) -> None:
    response = http.put(
        "/admin/api/settings/points",
        json={"expiry_months": months, "expiry_reminder_days": reminder_days},
        headers=headers,
    )
    assert response.status_code == 200, response.text


def member(deliver: Deliver) -> int:
    """A new customer account holding the 100-point sign-up bonus (their only activity)."""
    customer = new_id()
    deliver("customers/create", sample("customers/create", id=customer))
    return customer


def last_active(services: Services, rows_for: RowsFor, customer: int, when: datetime) -> None:
    """Given: the customer's history happened at ``when`` (as if they went quiet then)."""
    with services.db.transaction() as session:
        _, row = rows_for(session, customer)
        session.execute(
            update(LedgerEntry)
            .where(LedgerEntry.customer_id == row.id)
            .values(created_at=when, available_at=when)
        )


def activity_of(customer_view: Callable[[int], dict[str, Any]], customer: int) -> datetime:
    return datetime.fromisoformat(customer_view(customer)["ledger"][0]["created_at"])


def test_points_expire_at_the_end_of_the_period_announced_by_the_reminder(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    shop: str,
    customer_view: Callable[[int], dict[str, Any]],
    points_of: Callable[..., Balance],
) -> None:
    expire_after(http, admin_headers, months=6, reminder_days=30)
    customer = member(deliver)
    ends = add_months(activity_of(customer_view, customer), 6)

    early = run_periodic(services, shop, ends - timedelta(days=31))
    remind_at = ends - timedelta(days=29)
    reminded = run_periodic(services, shop, remind_at)
    reminded_again = run_periodic(services, shop, remind_at + timedelta(days=1))
    announced = remind_at + timedelta(days=30)
    notice = customer_view(customer)["points_expiry"]
    not_yet = run_periodic(services, shop, announced - timedelta(minutes=1))
    expired = run_periodic(services, shop, announced)
    later = run_periodic(services, shop, announced + timedelta(days=90))

    assert [early.reminded, reminded.reminded, reminded_again.reminded] == [0, 1, 0]
    assert [not_yet.expired, expired.expired, later.expired] == [0, 1, 0]
    assert expired.points_expired == 100
    assert points_of(customer, at=announced) == Balance(available=0, pending=0)
    assert notice == {"points": 100, "expires_at": announced.isoformat()}
    view = customer_view(customer)
    assert view["points_expiry"] is None
    latest = view["ledger"][0]
    assert (latest["points"], latest["reason"], latest["source"]) == (-100, "expiry", "expiry")


def test_turning_expiry_on_takes_nobodys_points_without_notice(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    shop: str,
    rows_for: RowsFor,
    points_of: Callable[..., Balance],
) -> None:
    customer = member(deliver)
    last_active(services, rows_for, customer, utcnow() - timedelta(days=700))
    expire_after(http, admin_headers, months=6, reminder_days=14)
    now = utcnow()

    first_run = run_periodic(services, shop, now)
    after_notice = run_periodic(services, shop, now + timedelta(days=14))

    assert (first_run.reminded, first_run.expired) == (1, 0)
    assert (after_notice.reminded, after_notice.expired) == (0, 1)
    assert points_of(customer, at=now + timedelta(days=14)) == Balance(0, 0)


def test_activity_after_a_reminder_starts_a_new_period(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    shop: str,
    rows_for: RowsFor,
    points_of: Callable[..., Balance],
) -> None:
    customer = member(deliver)
    last_active(services, rows_for, customer, utcnow() - timedelta(days=170))
    expire_after(http, admin_headers, months=6, reminder_days=30)
    assert run_periodic(services, shop, utcnow()).reminded == 1

    earned = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": 10, "reason": "Came to the workshop"},
        headers=admin_headers,
    )
    assert earned.status_code == 201
    month_later = run_periodic(services, shop, utcnow() + timedelta(days=31))

    assert (month_later.reminded, month_later.expired) == (0, 0)
    assert points_of(customer) == Balance(available=110, pending=0)
    with services.db.sessions() as session:
        reminders = session.scalars(select(ExpiryReminder.points)).all()
    assert reminders == [100]


def test_without_reminders_points_expire_exactly_at_the_end_of_the_period(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    shop: str,
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    expire_after(http, admin_headers, months=2, reminder_days=0)
    customer = member(deliver)
    ends = add_months(activity_of(customer_view, customer), 2)

    before = run_periodic(services, shop, ends - timedelta(seconds=1))
    at_end = run_periodic(services, shop, ends)

    assert (before.reminded, before.expired) == (0, 0)
    assert (at_end.reminded, at_end.expired, at_end.points_expired) == (0, 1, 100)


def test_points_are_spendable_for_the_whole_period_before_they_can_expire(
    http: requests.Session,
    admin_headers: dict[str, str],
    deliver: Deliver,
    services: Services,
    shop: str,
    points_of: Callable[..., Balance],
) -> None:
    expire_after(http, admin_headers, months=1, reminder_days=0)
    customer = new_id()
    order = sample("orders/paid", id=new_id(), processed_at=utcnow().isoformat())
    order["customer"]["id"] = customer
    deliver("orders/paid", order)
    spendable_from = utcnow() + timedelta(days=14)

    month_after_purchase = run_periodic(services, shop, utcnow() + timedelta(days=32))
    expired_at = add_months(spendable_from, 1) + timedelta(minutes=5)
    month_after_spendable = run_periodic(services, shop, expired_at)

    assert (month_after_purchase.expired, month_after_spendable.expired) == (0, 1)
    assert month_after_spendable.points_expired == 84
    assert points_of(customer, at=expired_at) == Balance(0, 0)


def test_points_never_expire_while_expiry_is_off(
    deliver: Deliver, services: Services, shop: str, points_of: Callable[..., Balance]
) -> None:
    customer = member(deliver)

    report = run_periodic(services, shop, utcnow() + timedelta(days=3700))

    assert (report.reminded, report.expired) == (0, 0)
    assert points_of(customer) == Balance(available=100, pending=0)
