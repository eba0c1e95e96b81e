"""Bonus points: birthdays and account anniversaries paid by the periodic job once a year,
and the feedback bonus for answering the post-purchase survey once per order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, NotFound
from shopify_loyalty.points.birthdays import set_birthday
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.periodic import PeriodicReport, run_periodic
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.surveys.feedback import record_feedback
from shopify_loyalty.surveys.models import SurveyResponse
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]
RowsFor = Callable[[Session, int], tuple[Shop, Customer]]


def member(deliver: Deliver, created_at: str = "2026-11-20T13:58:02+01:00") -> int:
    customer = new_id()
    deliver("customers/create", sample("customers/create", id=customer, created_at=created_at))
    return customer


def at_nine(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def upcoming(days: int) -> date:
    """The date ``days`` from today, moved off 29 February so it recurs every year."""
    day = (utcnow() + timedelta(days=days)).date()
    return day + timedelta(days=1) if (day.month, day.day) == (2, 29) else day


def bonuses_of(customer_view: Callable[[int], dict[str, Any]], customer: int) -> list[Any]:
    return [
        (row["points"], row["reason"])
        for row in customer_view(customer)["ledger"]
        if row["source"] == "bonus" and row["reason"] != "signup"
    ]


# -- birthdays ------------------------------------------------------------------------------
def test_the_birthday_bonus_is_paid_on_the_day_once_a_year(
    deliver: Deliver,
    services: Services,
    shop: str,
    rows_for: RowsFor,
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer = member(deliver)
    this_year = upcoming(40)
    with services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), this_year.replace(year=1990))

    before = run_periodic(services, shop, at_nine(this_year - timedelta(days=1)))
    on_the_day = run_periodic(services, shop, at_nine(this_year))
    again = run_periodic(services, shop, at_nine(this_year) + timedelta(hours=5))
    days_later = run_periodic(services, shop, at_nine(this_year + timedelta(days=3)))
    next_year = run_periodic(services, shop, at_nine(this_year.replace(year=this_year.year + 1)))

    assert [before.birthdays, on_the_day.birthdays, again.birthdays] == [0, 1, 0]
    assert [days_later.birthdays, next_year.birthdays] == [0, 1]
    assert bonuses_of(customer_view, customer) == [(100, "birthday"), (100, "birthday")]


def test_a_missed_birthday_run_is_caught_up_within_the_week(
    deliver: Deliver, services: Services, shop: str, rows_for: RowsFor
) -> None:
    customer = member(deliver)
    day = upcoming(60)
    with services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), day.replace(year=1985))

    late = run_periodic(services, shop, at_nine(day + timedelta(days=6)))
    too_late_next_year = run_periodic(
        services, shop, at_nine(day.replace(year=day.year + 1) + timedelta(days=7))
    )

    assert (late.birthdays, too_late_next_year.birthdays) == (1, 0)


def test_a_birthday_entered_shortly_before_it_falls_counts_from_next_year(
    deliver: Deliver, services: Services, shop: str, rows_for: RowsFor
) -> None:
    customer = member(deliver)
    soon = upcoming(10)
    with services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), soon.replace(year=2000))

    this_year = run_periodic(services, shop, at_nine(soon))
    next_year = run_periodic(services, shop, at_nine(soon.replace(year=soon.year + 1)))

    assert (this_year.birthdays, next_year.birthdays) == (0, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (date(2999, 1, 1), "birthday cannot be in the future"),
        (date(1899, 12, 31), "birthday must be in 1900 or later"),
        (datetime(1990, 5, 17, tzinfo=UTC), "birthday must be a date"),
        ("1990-05-17", "birthday must be a date"),
    ],
)
def test_an_impossible_birthday_is_refused(
    deliver: Deliver, services: Services, rows_for: RowsFor, value: Any, message: str
) -> None:
    customer = member(deliver)
    with pytest.raises(InvalidInput) as refused, services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), value)
    assert (refused.value.field, refused.value.message) == ("birthday", message)


def test_the_birthday_is_shown_on_the_customer_record(
    deliver: Deliver,
    services: Services,
    rows_for: RowsFor,
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer = member(deliver)
    with services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), date(1990, 5, 17))
    with services.db.transaction() as session:
        set_birthday(session, *rows_for(session, customer), date(1991, 6, 18))

    assert customer_view(customer)["birthday"] == "1991-06-18"


# -- anniversaries --------------------------------------------------------------------------
def test_the_account_anniversary_bonus_is_paid_each_year_once(
    deliver: Deliver,
    services: Services,
    shop: str,
    customer_view: Callable[[int], dict[str, Any]],
) -> None:
    customer = member(deliver, created_at="2024-03-10T08:00:00+01:00")
    leap_day = member(deliver, created_at="2024-02-29T12:00:00Z")

    feb_28 = run_periodic(services, shop, datetime(2027, 2, 28, 9, tzinfo=UTC))
    day_before = run_periodic(services, shop, datetime(2027, 3, 9, 9, tzinfo=UTC))
    on_the_day = run_periodic(services, shop, datetime(2027, 3, 10, 9, tzinfo=UTC))
    again = run_periodic(services, shop, datetime(2027, 3, 12, 9, tzinfo=UTC))

    assert [feb_28.anniversaries, day_before.anniversaries] == [1, 0]
    assert [on_the_day.anniversaries, again.anniversaries] == [1, 0]
    assert bonuses_of(customer_view, customer) == [(50, "anniversary")]
    assert bonuses_of(customer_view, leap_day) == [(50, "anniversary")]


def test_periodic_work_for_an_unknown_shop_does_nothing(services: Services) -> None:
    assert run_periodic(services, "nowhere.myshopify.com", utcnow()) == PeriodicReport()


# -- feedback -------------------------------------------------------------------------------
def paid_order(deliver: Deliver, customer: int, **changes: Any) -> int:
    order = new_id()
    payload = sample("orders/paid", id=order, **changes)
    payload["customer"]["id"] = customer
    deliver("orders/paid", payload)
    return order


def test_answering_the_survey_earns_the_feedback_bonus_once_per_order(
    deliver: Deliver,
    services: Services,
    rows_for: RowsFor,
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)
    order = paid_order(deliver, customer)

    with services.db.transaction() as session:
        record_feedback(
            session, *rows_for(session, customer), order, "very_satisfied", 9, "  Lovely wool  "
        )
    with pytest.raises(Conflict) as twice, services.db.transaction() as session:
        record_feedback(session, *rows_for(session, customer), order, "satisfied", 5)

    assert (twice.value.code, twice.value.field) == ("already_answered", "order_id")
    assert points_of(customer) == Balance(available=125, pending=84)
    with services.db.sessions() as session:
        answers = session.execute(
            select(
                SurveyResponse.satisfaction,
                SurveyResponse.recommendation_score,
                SurveyResponse.comment,
            ).where(SurveyResponse.shopify_order_id == order)
        ).all()
    assert [tuple(answer) for answer in answers] == [("very_satisfied", 9, "Lovely wool")]


def test_test_and_cancelled_orders_earn_no_feedback_bonus(
    deliver: Deliver,
    services: Services,
    rows_for: RowsFor,
    points_of: Callable[[int], Balance],
) -> None:
    customer = member(deliver)
    test_order = paid_order(deliver, customer, test=True)
    cancelled = paid_order(deliver, customer)
    cancellation = sample("orders/cancelled", id=cancelled)
    cancellation["customer"]["id"] = customer
    deliver("orders/cancelled", cancellation)

    for order in (test_order, cancelled):
        with services.db.transaction() as session:
            record_feedback(session, *rows_for(session, customer), order, "satisfied", 7)

    assert points_of(customer) == Balance(available=100, pending=0)


@pytest.mark.parametrize(
    ("satisfaction", "score", "comment", "field"),
    [
        ("delighted", 9, None, "satisfaction"),
        ("satisfied", 11, None, "recommendation_score"),
        ("satisfied", -1, None, "recommendation_score"),
        ("satisfied", True, None, "recommendation_score"),
        ("satisfied", 7, "x" * 2001, "comment"),
    ],
)
def test_an_unusable_answer_is_refused_naming_the_field(
    deliver: Deliver,
    services: Services,
    rows_for: RowsFor,
    satisfaction: str,
    score: Any,
    comment: str | None,
    field: str,
) -> None:
    customer = member(deliver)
    order = paid_order(deliver, customer)
    with pytest.raises(InvalidInput) as refused, services.db.transaction() as session:
        record_feedback(session, *rows_for(session, customer), order, satisfaction, score, comment)
    assert refused.value.field == field


def test_only_the_customers_own_paid_orders_can_be_answered(
    deliver: Deliver, services: Services, rows_for: RowsFor
) -> None:
    customer, someone_else = member(deliver), member(deliver)
    their_order = paid_order(deliver, someone_else)

    for order in (their_order, new_id()):
        with pytest.raises(NotFound) as refused, services.db.transaction() as session:
            record_feedback(session, *rows_for(session, customer), order, "satisfied", 8)
        assert refused.value.field == "order_id"
