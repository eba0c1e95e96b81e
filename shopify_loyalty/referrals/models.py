"""Referral codes (one per member) and referrals (one per referred friend)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow

CONVERTED = "converted"
REJECTED = "rejected"
VOIDED = "voided"

SELF_REFERRAL = "self_referral"
EXISTING_CUSTOMER = "existing_customer"
REFERRER_GONE = "referrer_gone"
ORDER_CANCELLED = "order_cancelled"
ORDER_REFUNDED = "order_refunded"


class ReferralCode(Base):
    """A member's referral code, made once and never changed, and its friend discount.

    ``code`` goes in the link (``?ref=`` / ``/r/<code>``); ``friend_code`` is the Shopify
    discount code the friend types at checkout. Both are stored upper case.
    """

    __tablename__ = "referral_codes"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        UniqueConstraint("shop_id", "code"),
        UniqueConstraint("shop_id", "friend_code"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(32))
    friend_code: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discount_gid: Mapped[str | None] = mapped_column(String(128))
    # The friend-discount terms last written to Shopify, to know when they need an update.
    discount_terms: Mapped[str | None] = mapped_column(String(191))
    discount_active: Mapped[bool] = mapped_column(Boolean, default=False)
    discount_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Referral(Base):
    """A friend's first paid order that carried a referral code: converted or rejected.

    One row per friend (unique), so a friend is counted once however often Shopify
    delivers their orders; a rejected attempt keeps its ``reason``.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("shop_id", "friend_customer_id"),
        Index("ix_referrals_referrer", "shop_id", "referrer_customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    referral_code_id: Mapped[int] = mapped_column(
        ForeignKey("referral_codes.id", ondelete="CASCADE")
    )
    referrer_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    friend_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    # discount_code, note_attribute or landing_site: how the order named the referrer
    matched_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    referrer_points: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
