"""The KPI formulas, as pure functions of counts and amounts.

Each returns None when its denominator is zero: a rate of nothing is unknown, not 0.
Results are exact Decimals; rounding happens once, when a figure is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
PROMOTER_SCORES = range(9, 11)
DETRACTOR_SCORES = range(0, 7)


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    value = ratio(part, whole)
    return None if value is None else value * HUNDRED


def retention_rate(
    customers_at_start: int, customers_at_end: int, new_customers: int
) -> Decimal | None:
    """((customers at end - new customers in the period) / customers at start) x 100."""
    return percent(customers_at_end - new_customers, customers_at_start)


def churn_rate(retention: Decimal | None) -> Decimal | None:
    """100 - retention rate."""
    return None if retention is None else HUNDRED - retention


def repeat_purchase_rate(repeat_customers: int, buying_customers: int) -> Decimal | None:
    """Customers with two or more paid orders in the period, per 100 who bought at all."""
    return percent(repeat_customers, buying_customers)


def purchase_frequency(orders: int, buying_customers: int) -> Decimal | None:
    """Paid orders per customer who bought in the period."""
    return ratio(orders, buying_customers)


def average_order_value(revenue: Decimal, orders: int) -> Decimal | None:
    return ratio(revenue, orders)


def revenue_per_customer(revenue: Decimal, buying_customers: int) -> Decimal | None:
    return ratio(revenue, buying_customers)


def average_lifespan(churn: Decimal | None) -> Decimal | None:
    """How many periods of this length a customer stays: 1 / churn rate.

    Unknown when nobody churned (or more came back than were there): the lifespan cannot
    be estimated from a period in which nobody left.
    """
    if churn is None or churn <= 0:
        return None
    return HUNDRED / churn


def lifetime_value(
    aov: Decimal | None, frequency: Decimal | None, lifespan: Decimal | None
) -> Decimal | None:
    """Average order value x purchase frequency x average lifespan (in periods)."""
    if aov is None or frequency is None or lifespan is None:
        return None
    return aov * frequency * lifespan


def net_promoter_score(scores: Iterable[int]) -> Decimal | None:
    """Promoters (9-10) minus detractors (0-6), as percentages of all answers."""
    answers = list(scores)
    if not answers:
        return None
    promoters = sum(1 for score in answers if score in PROMOTER_SCORES)
    detractors = sum(1 for score in answers if score in DETRACTOR_SCORES)
    return (Decimal(promoters) - Decimal(detractors)) * HUNDRED / Decimal(len(answers))


def shares(counts: Mapping[str, int]) -> dict[str, Decimal | None]:
    """Each count as a percentage of their sum."""
    total = sum(counts.values())
    return {name: percent(count, total) for name, count in counts.items()}


def rounded(value: Decimal | None, places: Decimal = CENT) -> str | None:
    """A figure as shown: half-even to ``places`` (cents by default), as a string."""
    if value is None:
        return None
    return str(value.quantize(places, rounding=ROUND_HALF_EVEN))
