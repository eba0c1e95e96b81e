"""Points issued, redeemed, expired and taken back in a period, and what is still owed.

- issued: points credited for orders, bonuses and manual additions;
- taken back: points removed for refunds, cancellations and manual deductions;
- redeemed: points spent on rewards, net of points given back when a code failed;
- expired: points removed for inactivity;
- outstanding: every customer's balance (available and pending) at the end of the period;
- a point's value: the cheapest active amount-off reward's value divided by its points cost
  (500 points for 5.00 off: 0.01 a point); the liability is outstanding points at that value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.points.sources import Source
from shopify_loyalty.rewards.catalogue import rewards_catalogue
from shopify_loyalty.rewards.models import Reward
from shopify_loyalty.rewards.spec import FIXED_AMOUNT
from shopify_loyalty.shops.models import Shop

EARNING = (Source.ORDER, Source.BONUS, Source.ADJUSTMENT)
TAKE_BACKS = (Source.REFUND, Source.CANCELLATION, Source.ADJUSTMENT)


@dataclass(frozen=True)
class PointsFlow:
    issued: int
    taken_back: int
    redeemed: int
    expired: int
    outstanding: int


def points_flow(session: Session, shop: Shop, start: datetime, end: datetime) -> PointsFlow:
    """One pass over the ledger up to ``end``: the period's flows per source, and the
    balance of every row before ``end`` (what is outstanding then)."""
    in_period = LedgerEntry.created_at >= start
    positive = case((in_period & (LedgerEntry.points > 0), LedgerEntry.points), else_=0)
    negative = case((in_period & (LedgerEntry.points < 0), LedgerEntry.points), else_=0)
    rows = session.execute(
        select(
            LedgerEntry.source,
            func.coalesce(func.sum(positive), 0),
            func.coalesce(func.sum(negative), 0),
            func.coalesce(func.sum(LedgerEntry.points), 0),
        )
        .where(LedgerEntry.shop_id == shop.id, LedgerEntry.created_at < end)
        .group_by(LedgerEntry.source)
    )
    issued = taken_back = redeemed = expired = outstanding = 0
    for source, credits, debits, balance in rows:
        credits, debits = int(credits), int(debits)
        outstanding += int(balance)
        if source in EARNING:
            issued += credits
        if source in TAKE_BACKS:
            taken_back -= debits
        if source == Source.REDEMPTION:
            redeemed -= credits + debits
        elif source == Source.EXPIRY:
            expired -= credits + debits
    return PointsFlow(issued, taken_back, redeemed, expired, outstanding)


def valuing_reward(session: Session, shop: Shop) -> Reward | None:
    """The reward a point is valued by: the cheapest active amount-off reward."""
    money_rewards = [
        reward
        for reward in rewards_catalogue(session, shop, active_only=True)
        if reward.kind == FIXED_AMOUNT and reward.points_cost > 0
    ]
    return min(money_rewards, key=lambda r: (r.points_cost, r.id), default=None)


def point_value(reward: Reward | None) -> Decimal | None:
    if reward is None:
        return None
    return reward.value / Decimal(reward.points_cost)
