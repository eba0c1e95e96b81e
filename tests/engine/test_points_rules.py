"""The points arithmetic and the validation of the points settings, without the app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.points.rules import (
    PointsConfig,
    add_months,
    available_from,
    order_points,
    refund_take_back,
    yearly_date,
)
from shopify_loyalty.programs.config import validate

DEFAULTS = PointsConfig()


def test_an_order_earns_one_point_per_whole_unit_of_subtotal_by_default() -> None:
    assert order_points(Decimal("84.50"), DEFAULTS) == 84
    assert order_points(Decimal("0.99"), DEFAULTS) == 0


def test_rate_per_order_points_and_multiplier_are_applied_before_rounding_down_once() -> None:
    config = PointsConfig(points_per_currency_unit=Decimal("1.5"), points_per_order=10)
    # (84.50 x 1.5 + 10) x 1.25 = 170.9375
    assert order_points(Decimal("84.50"), config, Decimal("1.25")) == 170


def test_a_negative_multiplier_is_refused() -> None:
    with pytest.raises(ValueError):
        order_points(Decimal("10"), DEFAULTS, Decimal("-1"))


def test_a_partial_refund_takes_back_its_share_rounded_in_the_customers_favour() -> None:
    # 26.96 of 84.50 refunded: 84 x 26.96 / 84.50 = 26.80...
    assert refund_take_back(84, Decimal("84.50"), Decimal("26.96")) == 26


def test_refunds_taken_together_take_back_everything_once_the_subtotal_is_refunded() -> None:
    third = Decimal("33.34")
    assert refund_take_back(100, Decimal("100.00"), third) == 33
    assert refund_take_back(100, Decimal("100.00"), third * 2) == 66
    assert refund_take_back(100, Decimal("100.00"), Decimal("100.02")) == 100


def test_nothing_is_taken_back_without_a_refund_or_without_points() -> None:
    assert refund_take_back(84, Decimal("84.50"), Decimal("0")) == 0
    assert refund_take_back(0, Decimal("84.50"), Decimal("84.50")) == 0


def test_points_of_a_free_order_go_back_entirely_on_any_refund() -> None:
    assert refund_take_back(10, Decimal("0.00"), Decimal("0.01")) == 10


def test_points_become_spendable_pending_days_after_payment() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    paid = datetime(2026, 11, 20, 13, 2, tzinfo=UTC)
    assert available_from(paid, now, 14) == paid + timedelta(days=14)
    assert available_from(None, now, 14) == now + timedelta(days=14)
    # A payment time ahead of our clock counts from now.
    assert available_from(now + timedelta(days=2), now, 0) == now


def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_short_month() -> None:
    moment = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    assert add_months(moment, 1) == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(moment, 13) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert add_months(moment, -2) == datetime(2025, 11, 30, 9, 30, tzinfo=UTC)


def test_the_29th_of_february_recurs_on_the_28th_outside_leap_years() -> None:
    assert yearly_date(date(2004, 2, 29), 2027) == date(2027, 2, 28)
    assert yearly_date(date(2004, 2, 29), 2028) == date(2028, 2, 29)


def test_defaults_are_the_documented_program() -> None:
    assert DEFAULTS.points_per_currency_unit == Decimal("1")
    assert DEFAULTS.points_per_order == 0
    assert DEFAULTS.pending_days == 14
    assert DEFAULTS.expiry_months == 0
    assert DEFAULTS.expiry_reminder_days == 30


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pending_days", 366, "pending_days must be a whole number from 0 to 365"),
        ("pending_days", -1, "pending_days must be a whole number from 0 to 365"),
        ("expiry_months", 61, "expiry_months must be a whole number from 0 to 60"),
        (
            "points_per_currency_unit",
            "-0.5",
            "points_per_currency_unit must be a number from 0 to 1000",
        ),
        ("signup_bonus", 1.5, "signup_bonus must be a whole number from 0 to 100000"),
        ("birthday_bonus", True, "birthday_bonus must be a whole number from 0 to 100000"),
    ],
)
def test_each_setting_is_checked_against_its_range(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        validate(PointsConfig, {field: value})
    assert (error.value.field, error.value.message) == (field, message)


def test_a_reminder_must_fall_inside_the_expiry_period() -> None:
    with pytest.raises(InvalidInput) as error:
        validate(PointsConfig, {"expiry_months": 1, "expiry_reminder_days": 28})
    assert error.value.field == "expiry_reminder_days"
    allowed = validate(PointsConfig, {"expiry_months": 1, "expiry_reminder_days": 27})
    assert (allowed.expiry_months, allowed.expiry_reminder_days) == (1, 27)
