"""The merchant's points rules (settings section ``points``) and the arithmetic they imply.

Earning: ``points_per_currency_unit`` points per 1.00 of the order's subtotal in the shop's
currency (Shopify's subtotal: after discounts, before shipping and taxes), plus
``points_per_order`` for every paid order, both times the customer's tier multiplier, rounded
down once at the end. Earned points are pending for ``pending_days`` after payment (the
window for returns), then spendable.

Taking back: refunds take back the share of the earned points that the refunded goods are
of the order's subtotal, rounded down (the customer keeps the fraction); a cancellation takes
back everything the order still holds.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import ClassVar

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section

MAX_BONUS = 100_000
MAX_POINTS_PER_ORDER = 100_000
MAX_POINTS_PER_UNIT = Decimal("1000")
# The shortest month; a reminder must come inside the expiry period to mean anything.
DAYS_IN_SHORTEST_MONTH = 28


@register_section
@dataclass(frozen=True)
class PointsConfig:
    section: ClassVar[str] = "points"

    points_per_currency_unit: Decimal = setting(
        Decimal("1"),
        minimum=Decimal("0"),
        maximum=MAX_POINTS_PER_UNIT,
        help="Points per 1.00 of the shop's currency spent (subtotal after discounts, "
        "without shipping and taxes), rounded down.",
    )
    points_per_order: int = setting(
        0, minimum=0, maximum=MAX_POINTS_PER_ORDER, help="Points for every paid order."
    )
    pending_days: int = setting(
        14,
        minimum=0,
        maximum=365,
        help="Days after payment before earned points can be spent (your returns window).",
    )
    signup_bonus: int = setting(
        100, minimum=0, maximum=MAX_BONUS, help="Points for creating an account; 0 turns it off."
    )
    birthday_bonus: int = setting(
        100, minimum=0, maximum=MAX_BONUS, help="Points on the shopper's birthday; 0 turns it off."
    )
    birthday_notice_days: int = setting(
        30,
        minimum=0,
        maximum=365,
        help="A birthday entered fewer days than this before it falls counts from next year.",
    )
    anniversary_bonus: int = setting(
        50,
        minimum=0,
        maximum=MAX_BONUS,
        help="Points every year on the day the customer's account was created; 0 turns it off.",
    )
    feedback_bonus: int = setting(
        25,
        minimum=0,
        maximum=MAX_BONUS,
        help="Points for answering the post-purchase survey, once per order; 0 turns it off.",
    )
    expiry_months: int = setting(
        0,
        minimum=0,
        maximum=60,
        help="Points expire after this many months without earning or spending; 0 turns "
        "expiry off.",
    )
    expiry_reminder_days: int = setting(
        30,
        minimum=0,
        maximum=365,
        help="Days of notice before points expire; 0 sends no reminder.",
    )

    def __post_init__(self) -> None:
        if (
            self.expiry_months > 0
            and self.expiry_reminder_days >= self.expiry_months * DAYS_IN_SHORTEST_MONTH
        ):
            limit = self.expiry_months * DAYS_IN_SHORTEST_MONTH - 1
            raise InvalidInput(
                f"expiry_reminder_days must be at most {limit} when points expire after "
                f"{self.expiry_months} month(s)",
                field="expiry_reminder_days",
            )


def order_points(subtotal: Decimal, config: PointsConfig, multiplier: Decimal = Decimal(1)) -> int:
    """Points an order earns: (subtotal x rate + points per order) x multiplier, rounded down."""
    if multiplier < 0:
        raise ValueError("a points multiplier cannot be negative")
    base = max(subtotal, Decimal(0)) * config.points_per_currency_unit + config.points_per_order
    return int((base * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def refund_take_back(earned: int, subtotal: Decimal, refunded: Decimal) -> int:
    """Points to take back once ``refunded`` of an order's ``subtotal`` has been refunded.

    The share of ``earned`` that the refunded amount is of the subtotal, rounded down, and
    never more than was earned. It is computed on the order's refunds taken together, so
    three refunds of a third each take back everything.
    """
    if earned <= 0 or refunded <= 0:
        return 0
    if subtotal <= 0 or refunded >= subtotal:
        return earned
    share = Decimal(earned) * refunded / subtotal
    return min(earned, int(share.to_integral_value(rounding=ROUND_FLOOR)))


def available_from(paid_at: datetime | None, now: datetime, pending_days: int) -> datetime:
    """When an order's points become spendable: ``pending_days`` after it was paid."""
    paid = min(paid_at, now) if paid_at is not None else now
    return paid + timedelta(days=pending_days)


def add_months(moment: datetime, months: int) -> datetime:
    """The same time ``months`` later (or earlier); the 31st becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def yearly_date(original: date, year: int) -> date:
    """The day ``original`` recurs on in ``year``; 29 February falls on the 28th otherwise."""
    if original.month == 2 and original.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return original.replace(year=year)
