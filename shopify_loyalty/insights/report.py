"""The KPI report of one shop over one period: every figure with its definition.

Money is shown in the shop's currency, rounded half-even to cents, as strings; rates are
percentages to two places, as strings; counts are integers; a figure whose denominator is
zero is null.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.insights import formulas as f
from shopify_loyalty.insights.definitions import DEFINITIONS
from shopify_loyalty.insights.orders import BuyerGroup, customer_figures
from shopify_loyalty.insights.periods import Period
from shopify_loyalty.insights.points import point_value, points_flow, valuing_reward
from shopify_loyalty.insights.surveys import survey_answers
from shopify_loyalty.insights.tiers import tier_figures
from shopify_loyalty.paid_membership.insights import membership_figures
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.models import CARD_COMPLETED, StampEntry

POINT_VALUE_PLACES = Decimal("0.0001")


def kpi_report(session: Session, shop: Shop, period: Period) -> dict[str, Any]:
    start, end = period.start, period.end
    figures = customer_figures(session, shop, start, end)
    buyers = figures.buyers
    at_start, at_end, new = (
        figures.customers_at_start,
        figures.customers_at_end,
        figures.new_customers,
    )
    retention = f.retention_rate(at_start, at_end, new)
    churn = f.churn_rate(retention)
    orders, revenue, active = buyers.orders, buyers.revenue, buyers.customers
    aov = f.average_order_value(revenue, orders)
    frequency = f.purchase_frequency(orders, active)
    lifespan = f.average_lifespan(churn)
    return {
        "shop": shop.domain,
        "currency": shop.currency,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "customers": {
            "customers_at_start": at_start,
            "customers_at_end": at_end,
            "new_customers": new,
            "retention_rate": f.rounded(retention),
            "churn_rate": f.rounded(churn),
            "active_customers": active,
            "orders": orders,
            "revenue": f.rounded(revenue),
            "repeat_customers": buyers.repeat_customers,
            "repeat_purchase_rate": f.rounded(
                f.repeat_purchase_rate(buyers.repeat_customers, active)
            ),
            "purchase_frequency": f.rounded(frequency),
            "average_order_value": f.rounded(aov),
            "average_revenue_per_customer": f.rounded(f.revenue_per_customer(revenue, active)),
            "average_lifespan_periods": f.rounded(lifespan),
            "customer_lifetime_value": f.rounded(f.lifetime_value(aov, frequency, lifespan)),
        },
        "members": {
            "members": _group(figures.members),
            "non_members": _group(figures.non_members),
        },
        "satisfaction": _satisfaction(session, shop, start, end),
        "points": _points(session, shop, start, end),
        "stamps": {"cards_completed": _cards_completed(session, shop, start, end)},
        "tiers": _tiers(session, shop, start, end),
        "paid_membership": membership_figures(session, shop, start, end),
        "affiliates": _affiliates(session, shop, period),
        "definitions": DEFINITIONS,
    }


def _group(group: BuyerGroup) -> dict[str, Any]:
    return {
        "customers": group.customers,
        "orders": group.orders,
        "spend": f.rounded(group.revenue),
        "order_frequency": f.rounded(f.purchase_frequency(group.orders, group.customers)),
        "average_order_value": f.rounded(f.average_order_value(group.revenue, group.orders)),
        "spend_per_customer": f.rounded(f.revenue_per_customer(group.revenue, group.customers)),
    }


def _satisfaction(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[str, Any]:
    answers = survey_answers(session, shop, start, end)
    shares = f.shares(answers.satisfaction)
    return {
        "responses": len(answers.scores),
        "levels": [
            {"level": level, "responses": count, "share": f.rounded(shares[level])}
            for level, count in answers.satisfaction.items()
        ],
        "net_promoter_score": f.rounded(f.net_promoter_score(answers.scores)),
    }


def _points(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[str, Any]:
    flow = points_flow(session, shop, start, end)
    reward = valuing_reward(session, shop)
    value = point_value(reward)
    return {
        "issued": flow.issued,
        "taken_back": flow.taken_back,
        "redeemed": flow.redeemed,
        "expired": flow.expired,
        "outstanding": flow.outstanding,
        "point_value": f.rounded(value, POINT_VALUE_PLACES),
        "point_value_reward": reward.title if reward else None,
        "outstanding_liability": f.rounded(
            None if value is None else value * Decimal(flow.outstanding)
        ),
        "redemption_rate": f.rounded(f.percent(flow.redeemed, flow.issued)),
    }


def _cards_completed(session: Session, shop: Shop, start: datetime, end: datetime) -> int:
    count = session.scalar(
        select(func.count()).where(
            StampEntry.shop_id == shop.id,
            StampEntry.kind == CARD_COMPLETED,
            StampEntry.created_at >= start,
            StampEntry.created_at < end,
        )
    )
    return int(count or 0)


def _tiers(session: Session, shop: Shop, start: datetime, end: datetime) -> dict[str, Any]:
    figures = tier_figures(session, shop, start, end)
    return {
        "distribution": [
            {"tier": name, "customers": count} for name, count in figures.distribution
        ],
        "upgrades": figures.upgrades,
        "downgrades": figures.downgrades,
        "movement": [dataclasses.asdict(move) for move in figures.movement],
    }


def _affiliates(session: Session, shop: Shop, period: Period) -> dict[str, Any]:
    """Revenue and commission (owed and paid) per affiliate, and the return: revenue per
    1.00 of commission."""
    # The affiliate programme owns how its orders and commissions are counted.
    from shopify_loyalty.affiliates.reporting import affiliate_returns

    rows = []
    revenue = commission = Decimal(0)
    for row in affiliate_returns(session, shop, period.first, period.last):
        cost = row.commission_owed + row.commission_paid
        revenue += row.revenue
        commission += cost
        rows.append(
            {
                "affiliate": row.name,
                "orders": row.orders,
                "new_customers": row.new_customers,
                "returning_customers": row.returning_customers,
                "revenue": f.rounded(row.revenue),
                "commission": f.rounded(cost),
                "return": f.rounded(f.ratio(row.revenue, cost)),
            }
        )
    return {
        "revenue": f.rounded(revenue),
        "commission": f.rounded(commission),
        "return": f.rounded(f.ratio(revenue, commission)),
        "affiliates": rows,
    }
