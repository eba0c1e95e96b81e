"""The paid membership in the insights: members, new and churned members, and what the
membership earned over a period (see the definitions in insights/definitions.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.insights import formulas as f
from shopify_loyalty.paid_membership.models import MembershipPurchase, MembershipRefundLine
from shopify_loyalty.paid_membership.periods import Period, chain, refunded_quantities
from shopify_loyalty.shops.models import Shop

MOMENT = timedelta(microseconds=1)


def membership_figures(
    session: Session, shop: Shop, start: datetime, end: datetime
) -> dict[str, Any]:
    periods = _periods_by_customer(session, shop)
    last = end - MOMENT
    at_start = {c for c, rows in periods.items() if any(p.covers(start) for p in rows)}
    at_end = {c for c, rows in periods.items() if any(p.covers(last) for p in rows)}
    first_starts = {
        c: min(p.starts_at for p in rows if p.starts_at is not None)
        for c, rows in periods.items()
        if any(p.starts_at is not None for p in rows)
    }
    new = sum(1 for moment in first_starts.values() if start <= moment < end)
    churned = len(at_start - at_end)
    return {
        "paid_members_at_start": len(at_start),
        "paid_members_at_end": len(at_end),
        "new_paid_members": new,
        "churned_paid_members": churned,
        "paid_member_churn_rate": f.rounded(f.percent(churned, len(at_start))),
        "membership_revenue": f.rounded(_revenue(session, shop, start, end)),
    }


def _periods_by_customer(session: Session, shop: Shop) -> dict[int, list[Period]]:
    purchases = session.scalars(
        select(MembershipPurchase)
        .where(
            MembershipPurchase.shop_id == shop.id,
            MembershipPurchase.customer_id.is_not(None),
            MembershipPurchase.paid_at.is_not(None),
        )
        .order_by(MembershipPurchase.paid_at, MembershipPurchase.id)
    ).all()
    refunded = refunded_quantities(session, shop.id, [p.shopify_order_id for p in purchases])
    grouped: dict[int, list[MembershipPurchase]] = defaultdict(list)
    for purchase in purchases:
        assert purchase.customer_id is not None
        grouped[purchase.customer_id].append(purchase)
    return {customer: chain(rows, refunded) for customer, rows in grouped.items()}


def _revenue(session: Session, shop: Shop, start: datetime, end: datetime) -> Decimal:
    """Membership lines paid in the period and not cancelled, less refunds in it."""
    sold = session.scalar(
        select(func.coalesce(func.sum(MembershipPurchase.amount), 0)).where(
            MembershipPurchase.shop_id == shop.id,
            MembershipPurchase.cancelled_at.is_(None),
            MembershipPurchase.paid_at >= start,
            MembershipPurchase.paid_at < end,
        )
    )
    refunded = session.scalar(
        select(func.coalesce(func.sum(MembershipRefundLine.amount), 0)).where(
            MembershipRefundLine.shop_id == shop.id,
            MembershipRefundLine.refunded_at >= start,
            MembershipRefundLine.refunded_at < end,
        )
    )
    return Decimal(sold or 0) - Decimal(refunded or 0)
