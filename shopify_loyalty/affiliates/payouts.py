"""What the merchant owes each affiliate, the payout export, and marking a payout as paid.

Commission is owed once approved (the return window passed). What is owed on a conversion
is its commission less what payouts already settled on it; a refund or cancellation after a
payout makes that negative, and the claw-back is netted against the next payout. A payout
covers the approved conversions of orders placed up to the end of its date (UTC) and is
recorded once per affiliate and date: marking it again returns the first record. A new
payout queues the payout email to the affiliate.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.accounts import find_affiliate, list_affiliates
from shopify_loyalty.affiliates.models import ZERO, Affiliate, AffiliateConversion, AffiliatePayout
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict
from shopify_loyalty.notifications.outbox import queue_payout_notice
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class AmountDue:
    affiliate: Affiliate
    conversions: int
    amount: Decimal


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _unsettled(shop: Shop, affiliate_id: int, until: date) -> Select[AffiliateConversion]:
    return select(AffiliateConversion).where(
        AffiliateConversion.shop_id == shop.id,
        AffiliateConversion.affiliate_id == affiliate_id,
        AffiliateConversion.approved_at.is_not(None),
        AffiliateConversion.ordered_at < end_of(until),
        AffiliateConversion.commission != AffiliateConversion.paid_commission,
    )


def amount_due(session: Session, shop: Shop, affiliate: Affiliate, until: date) -> AmountDue:
    conversions = list(session.scalars(_unsettled(shop, affiliate.id, until)))
    amount = sum((c.commission - c.paid_commission for c in conversions), ZERO)
    return AmountDue(affiliate, len(conversions), amount)


def payout_export(session: Session, shop: Shop, until: date) -> str:
    """CSV of every affiliate with approved commission owed up to ``until``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "affiliate_id",
            "name",
            "email",
            "payout_method",
            "payout_details",
            "orders",
            "amount",
            "currency",
            "covers_until",
        ]
    )
    for affiliate in list_affiliates(session, shop):
        due = amount_due(session, shop, affiliate, until)
        if due.amount <= ZERO:
            continue
        writer.writerow(
            [
                affiliate.id,
                _cell(affiliate.name),
                _cell(affiliate.email),
                affiliate.payout_method,
                _cell(affiliate.payout_details or ""),
                due.conversions,
                str(due.amount),
                shop.currency,
                until.isoformat(),
            ]
        )
    return out.getvalue()


def mark_paid(
    session: Session, shop: Shop, affiliate_id: int, until: date, reference: str | None = None
) -> tuple[AffiliatePayout, bool]:
    """Record the payout of what is owed up to ``until``; returns it and whether it is new.

    Refused (409) when nothing is owed. Runs in the caller's transaction; a concurrent
    request for the same affiliate and date fails on the unique key and is answered with
    the first record by the caller.
    """
    affiliate = find_affiliate(session, shop, affiliate_id)
    existing = find_payout(session, shop, affiliate.id, until)
    if existing is not None:
        return existing, False
    conversions = list(session.scalars(_unsettled(shop, affiliate.id, until).with_for_update()))
    amount = sum((c.commission - c.paid_commission for c in conversions), ZERO)
    if amount <= ZERO:
        raise Conflict("Nothing is owed to this affiliate up to that date.", field="until")
    payout = AffiliatePayout(
        shop_id=shop.id,
        affiliate_id=affiliate.id,
        covers_until=until,
        amount=amount,
        currency=shop.currency,
        conversions=len(conversions),
        reference=reference,
        paid_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(payout)
    except IntegrityError:
        raced = find_payout(session, shop, affiliate.id, until)
        if raced is None:
            raise
        return raced, False
    for conversion in conversions:
        conversion.paid_commission = conversion.commission
        conversion.payout_id = payout.id
    session.flush()
    queue_payout_notice(session, shop, payout)
    return payout, True


def find_payout(
    session: Session, shop: Shop, affiliate_id: int, until: date
) -> AffiliatePayout | None:
    return session.scalar(
        select(AffiliatePayout).where(
            AffiliatePayout.shop_id == shop.id,
            AffiliatePayout.affiliate_id == affiliate_id,
            AffiliatePayout.covers_until == until,
        )
    )


def payouts_of(session: Session, shop: Shop, affiliate_id: int) -> list[AffiliatePayout]:
    return list(
        session.scalars(
            select(AffiliatePayout)
            .where(AffiliatePayout.shop_id == shop.id, AffiliatePayout.affiliate_id == affiliate_id)
            .order_by(AffiliatePayout.covers_until)
        )
    )


def _cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; such text is quoted."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
