"""Tier membership, the history of every move between tiers, and each tier's Shopify objects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class TierMembership(Base):
    """The tier a customer holds now (``tier_key`` None: none), one row per customer.

    ``below_since`` is the grace clock: set by the first re-evaluation that finds the
    customer below their tier's threshold, cleared when they qualify again.
    """

    __tablename__ = "tier_memberships"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    tier_key: Mapped[str | None] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    below_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TierMove(Base):
    """One move between tiers (``None`` is no tier), kept for the customer's history."""

    __tablename__ = "tier_moves"
    __table_args__ = (Index("ix_tier_moves_customer", "shop_id", "customer_id", "moved_at"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    from_tier: Mapped[str | None] = mapped_column(String(64))
    to_tier: Mapped[str | None] = mapped_column(String(64))
    # order (upgrade after a paid order), reevaluation (upgrade found by the periodic run),
    # grace_expired (downgrade), tier_removed (the merchant removed the tier)
    reason: Mapped[str] = mapped_column(String(32))
    qualifying_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TierDiscount(Base):
    """A tier's customer segment and code discounts at Shopify, by their Shopify ids.

    Storing each id as soon as Shopify returns it is what makes the sync safe to retry.
    ``retired`` marks a tier the merchant removed; its discounts are deactivated.
    """

    __tablename__ = "tier_discounts"
    __table_args__ = (UniqueConstraint("shop_id", "tier_key"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    tier_key: Mapped[str] = mapped_column(String(64))
    segment_gid: Mapped[str | None] = mapped_column(String(128))
    discount_gid: Mapped[str | None] = mapped_column(String(128))
    discount_code: Mapped[str | None] = mapped_column(String(255))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_active: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_gid: Mapped[str | None] = mapped_column(String(128))
    shipping_code: Mapped[str | None] = mapped_column(String(255))
    shipping_active: Mapped[bool] = mapped_column(Boolean, default=False)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
