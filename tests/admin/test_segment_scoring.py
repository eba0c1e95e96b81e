"""RFM scores and segments from hand-picked values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopify_loyalty.segments.rfm import (
    RfmScore,
    frequency_score,
    monetary_scores,
    recency_score,
    rfm_segment,
)


@pytest.mark.parametrize(
    ("days", "score"),
    [(0, 5), (30, 5), (31, 4), (90, 4), (91, 3), (180, 3), (181, 2), (365, 2), (366, 1)],
)
def test_recency_scores_by_days_since_the_last_order(days: int, score: int) -> None:
    assert recency_score(days) == score


@pytest.mark.parametrize(("orders", "score"), [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4), (6, 5)])
def test_frequency_scores_by_paid_orders(orders: int, score: int) -> None:
    assert frequency_score(orders) == score


def test_monetary_scores_are_quintiles_of_the_shops_buyers() -> None:
    values = [Decimal(v) for v in ("50", "10", "40", "20", "30")]
    assert monetary_scores(values) == [5, 1, 4, 2, 3]
    assert monetary_scores([Decimal("9.99")]) == [5]
    assert monetary_scores([Decimal(1), Decimal(1), Decimal(2)]) == [4, 4, 5]
    assert monetary_scores([]) == []


@pytest.mark.parametrize(
    ("score", "orders", "segment"),
    [
        (RfmScore(5, 4, 4), 4, "champions"),
        (RfmScore(4, 5, 3), 8, "loyal"),
        (RfmScore(3, 2, 5), 2, "loyal"),
        (RfmScore(5, 1, 5), 1, "new"),
        (RfmScore(3, 1, 1), 1, "new"),
        (RfmScore(2, 4, 5), 5, "at_risk"),
        (RfmScore(1, 2, 1), 2, "at_risk"),
        (RfmScore(2, 1, 3), 1, "hibernating"),
    ],
)
def test_the_segment_follows_from_the_scores(score: RfmScore, orders: int, segment: str) -> None:
    assert rfm_segment(score, orders) == segment
