"""RFM scoring: how recently, how often and how much a customer has bought.

Each customer with a paid order gets three scores from 1 to 5:

- recency (R), from the days since their last paid order: 5 up to 30 days, 4 up to 90,
  3 up to 180, 2 up to 365, 1 beyond;
- frequency (F), from their paid orders: 1, 2, 3, 4 to 5, 6 or more score 1 to 5;
- monetary (M), from their revenue ranked against the shop's other buyers: the top fifth
  scores 5, the next 4, and so on (equal revenue, equal score; see monetary_scores), so it
  needs no threshold in any currency.

The segment follows from the scores, first rule that matches:

- champions: R 4-5, F 4-5 and M 4-5 (bought lately, often and much);
- new: exactly one paid order, in the last 180 days (R 3-5);
- loyal: R 3-5 and more than one order;
- at risk: R 1-2 (nothing for over 180 days) after more than one order;
- hibernating: R 1-2 after a single order.

Every customer who bought falls in exactly one segment.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

CHAMPIONS = "champions"
LOYAL = "loyal"
AT_RISK = "at_risk"
HIBERNATING = "hibernating"
NEW = "new"
RFM_SEGMENTS = (CHAMPIONS, LOYAL, NEW, AT_RISK, HIBERNATING)

RECENCY_DAYS = (30, 90, 180, 365)  # upper bounds of scores 5, 4, 3, 2
FREQUENCY_ORDERS = (1, 2, 3, 5)  # upper bounds of scores 1, 2, 3, 4


@dataclass(frozen=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int


def recency_score(days_since_last_order: int) -> int:
    for score, limit in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True):
        if days_since_last_order <= limit:
            return score
    return 1


def frequency_score(paid_orders: int) -> int:
    for score, limit in enumerate(FREQUENCY_ORDERS, start=1):
        if paid_orders <= limit:
            return score
    return 5


def monetary_scores(revenues: Sequence[Decimal]) -> list[int]:
    """Each revenue's quintile among all of them (5 the top fifth); ties score alike.

    The score is 5 x the share of buyers who spent as much or less, rounded up: with five
    buyers spending 10, 20, 30, 40, 50 they score 1 to 5; a lone buyer scores 5.
    """
    ordered = sorted(revenues)
    count = len(ordered)
    return [-(-5 * bisect_right(ordered, value) // count) for value in revenues]


def rfm_segment(score: RfmScore, paid_orders: int) -> str:
    """The segment of a customer with these scores (the rules in the module docstring)."""
    if score.recency >= 4 and score.frequency >= 4 and score.monetary >= 4:
        return CHAMPIONS
    if score.recency >= 3:
        return NEW if paid_orders == 1 else LOYAL
    return AT_RISK if paid_orders > 1 else HIBERNATING
