"""Affiliates, their exclusive codes, the clicks on their links, the orders they brought
(conversions, with their commission) and the payouts that settled them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow

ZERO = Decimal("0.00")

# How an affiliate earns: a percentage of the order subtotal after discounts, or a fixed
# amount per order.
PERCENTAGE = "percentage"
FIXED_AMOUNT = "fixed_amount"

ACTIVE = "active"
ARCHIVED = "archived"

# A conversion's life: pending during the return window, then approved; rejected when a
# fraud guard refused it; voided when the order was cancelled or refunded in full.
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
VOIDED = "voided"

OWN_ORDER = "own_order"
CODE_ORDER_CAP = "code_order_cap"
CODE_COMMISSION_CAP = "code_commission_cap"
ORDER_CANCELLED = "order_cancelled"
ORDER_REFUNDED = "order_refunded"
AFFILIATE_ARCHIVED = "affiliate_archived"


class Affiliate(Base):
    """A partner the merchant pays for the orders their codes and links bring.

    The portal link's token is kept only as its SHA-256 digest: the link is shown once, when
    made or rotated, and a rotated link stops working at once.
    """

    __tablename__ = "affiliates"
    __table_args__ = (UniqueConstraint("portal_token_digest"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    shopify_customer_id: Mapped[int | None] = mapped_column(BigInteger)
    commission_kind: Mapped[str] = mapped_column(String(16))
    commission_value: Mapped[Decimal] = mapped_column(Money)
    payout_method: Mapped[str] = mapped_column(String(32))
    payout_details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    portal_token_digest: Mapped[str | None] = mapped_column(String(64))
    portal_link_made_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AffiliateCode(Base):
    """An exclusive discount code of one affiliate (stored upper case), its terms at Shopify,
    its caps, and whether it is paused or flagged for unusual use.

    ``version`` counts the merchant's changes; ``synced_version`` is the last one written to
    Shopify, so the sync job knows when the discount needs work.
    """

    __tablename__ = "affiliate_codes"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    affiliate_id: Mapped[int] = mapped_column(
        ForeignKey("affiliates.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    discount_kind: Mapped[str] = mapped_column(String(16))
    discount_value: Mapped[Decimal] = mapped_column(Money)
    minimum_order: Mapped[Decimal | None] = mapped_column(Money)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    once_per_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_orders: Mapped[int | None] = mapped_column(Integer)
    max_commission: Mapped[Decimal | None] = mapped_column(Money)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    discount_gid: Mapped[str | None] = mapped_column(String(128))
    synced_version: Mapped[int | None] = mapped_column(Integer)
    sync_error: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flag_note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AffiliateClick(Base):
    """One visit through an affiliate's click link; nothing about the visitor is kept."""

    __tablename__ = "affiliate_clicks"
    __table_args__ = (
        Index("ix_affiliate_clicks_affiliate", "shop_id", "affiliate_id", "clicked_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("affiliates.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("affiliate_codes.id", ondelete="CASCADE"))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AffiliateConversion(Base):
    """A paid order an affiliate brought, once per order, with its commission to the cent.

    The commission terms are copied from the affiliate when the order is recorded, so a later
    change of rate never rewrites earned commission. ``commission`` is always derived from the
    order's facts (see commission.py); ``paid_commission`` is what payouts have settled.
    """

    __tablename__ = "affiliate_conversions"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_order_id"),
        Index("ix_affiliate_conversions_affiliate", "shop_id", "affiliate_id", "ordered_at"),
        Index("ix_affiliate_conversions_code", "shop_id", "code_id", "ordered_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    affiliate_id: Mapped[int] = mapped_column(ForeignKey("affiliates.id", ondelete="CASCADE"))
    code_id: Mapped[int] = mapped_column(ForeignKey("affiliate_codes.id", ondelete="CASCADE"))
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # discount_code, note_attribute or landing_site: how the order named the affiliate
    matched_by: Mapped[str] = mapped_column(String(32))
    new_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    currency: Mapped[str] = mapped_column(String(3))
    order_subtotal: Mapped[Decimal] = mapped_column(Money)
    refunded_subtotal: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    commission_kind: Mapped[str] = mapped_column(String(16))
    commission_value: Mapped[Decimal] = mapped_column(Money)
    commission_limit: Mapped[Decimal | None] = mapped_column(Money)
    commission: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    paid_commission: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approve_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payout_id: Mapped[int | None] = mapped_column(
        ForeignKey("affiliate_payouts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AffiliatePayout(Base):
    """Money the merchant paid an affiliate, settling approved commission up to a date.

    One per affiliate and date, so marking the same payout twice records it once.
    """

    __tablename__ = "affiliate_payouts"
    __table_args__ = (UniqueConstraint("shop_id", "affiliate_id", "covers_until"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    affiliate_id: Mapped[int] = mapped_column(
        ForeignKey("affiliates.id", ondelete="CASCADE"), index=True
    )
    covers_until: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    conversions: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
