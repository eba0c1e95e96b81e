"""Member-only offers, early access windows, and who belongs to which audience.

An audience is written as ``tier:<key>``, ``segment:<name>`` or ``paid_members``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow


class MemberOffer(Base):
    """A time-boxed code discount only the chosen audiences can use.

    ``audiences`` is a comma-separated list; ``ended_at`` is set when the merchant ends the
    offer early (its Shopify discount is deactivated). ``discount_gid`` is stored as soon as
    Shopify returns it, so a retried sync never creates a second discount.
    """

    __tablename__ = "member_offers"
    __table_args__ = (UniqueConstraint("shop_id", "code"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # percentage | fixed_amount
    value: Mapped[Decimal] = mapped_column(Money)
    minimum_subtotal: Mapped[Decimal | None] = mapped_column(Money)
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    once_per_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    audiences: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discount_gid: Mapped[str | None] = mapped_column(String(128))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EarlyAccessWindow(Base):
    """Products and collections only the chosen audiences may buy between two moments.

    ``product_ids`` and ``collection_ids`` hold Shopify's numeric ids, comma-separated.
    """

    __tablename__ = "early_access_windows"

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    product_ids: Mapped[str] = mapped_column(Text, default="")
    collection_ids: Mapped[str] = mapped_column(Text, default="")
    audiences: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PerkSegment(Base):
    """The Shopify customer segment that stands for one audience, created once and reused."""

    __tablename__ = "perk_segments"
    __table_args__ = (UniqueConstraint("shop_id", "audience"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(96))
    segment_gid: Mapped[str] = mapped_column(String(128))


class AudienceMember(Base):
    """A customer in an audience as of the last refresh (tiers and segments from our data,
    paid members from their Shopify tag)."""

    __tablename__ = "perk_audience_members"
    __table_args__ = (UniqueConstraint("shop_id", "audience", "customer_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    audience: Mapped[str] = mapped_column(String(96))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EarlyAccessGrant(Base):
    """A customer who had access to a window while it was open (kept for the insights)."""

    __tablename__ = "early_access_grants"
    __table_args__ = (
        UniqueConstraint("shop_id", "window_id", "customer_id"),
        Index("ix_early_access_grants_window", "window_id"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    window_id: Mapped[int] = mapped_column(
        ForeignKey("early_access_windows.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
