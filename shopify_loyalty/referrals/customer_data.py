"""What the tier and referral areas hold about a customer, for privacy requests.

A referral code starts with the member's first name and lives at Shopify as the friend
discount ``FRIEND-<code>``; redaction replaces the code with a name-less one and queues the
old discount's deletion, so neither our tables nor the shop keep the name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.privacy.requests import register_customer_data
from shopify_loyalty.referrals.codes import (
    find_referral_code,
    forget_referral_codes,
    friend_code_for,
    new_code,
)
from shopify_loyalty.referrals.models import Referral, ReferralCode
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.models import TierMembership, TierMove

WITHDRAW_JOB = "referrals.withdraw_friend_discount"


def export_tiers_and_referrals(session: Session, shop: Shop, customer: Customer) -> dict[str, Any]:
    membership = session.scalar(
        select(TierMembership).where(
            TierMembership.shop_id == shop.id, TierMembership.customer_id == customer.id
        )
    )
    moves = session.scalars(
        select(TierMove)
        .where(TierMove.shop_id == shop.id, TierMove.customer_id == customer.id)
        .order_by(TierMove.id)
    )
    code = _code_row(session, shop, customer)
    referrals = session.scalars(
        select(Referral)
        .where(
            Referral.shop_id == shop.id,
            or_(
                Referral.referrer_customer_id == customer.id,
                Referral.friend_customer_id == customer.id,
            ),
        )
        .order_by(Referral.id)
    )
    return {
        "tier": {
            "tier": membership.tier_key if membership else None,
            "since": membership.since.isoformat() if membership else None,
            "moves": [
                {
                    "from": move.from_tier,
                    "to": move.to_tier,
                    "reason": move.reason,
                    "at": move.moved_at.isoformat(),
                }
                for move in moves
            ],
        },
        "referral_code": code.code if code else None,
        "referrals": [
            {
                "role": "referrer" if row.referrer_customer_id == customer.id else "friend",
                "order_id": row.shopify_order_id,
                "status": row.status,
                "reason": row.reason,
                "referrer_points": row.referrer_points,
                "created_at": row.created_at.isoformat(),
            }
            for row in referrals
        ],
    }


def erase_referral_code(session: Session, shop: Shop, customer: Customer) -> None:
    """Swap the name-bearing code for a name-less one and withdraw its friend discount."""
    code = _code_row(session, shop, customer)
    if code is None:
        return
    if code.discount_gid:
        enqueue(
            session,
            shop,
            WITHDRAW_JOB,
            {"discount_gid": code.discount_gid},
            key=f"{WITHDRAW_JOB}:{code.discount_gid}",
        )
    replacement = new_code(customer)
    while find_referral_code(session, shop, replacement) is not None:
        replacement = new_code(customer)
    forget_referral_codes(session)
    code.code = replacement
    code.friend_code = friend_code_for(replacement)
    code.discount_gid = None
    code.discount_active = False


def _code_row(session: Session, shop: Shop, customer: Customer) -> ReferralCode | None:
    return session.scalar(
        select(ReferralCode).where(
            ReferralCode.shop_id == shop.id, ReferralCode.customer_id == customer.id
        )
    )


register_customer_data(exporter=export_tiers_and_referrals, redactor=erase_referral_code)
