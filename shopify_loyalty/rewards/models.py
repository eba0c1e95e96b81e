"""The shop's rewards catalogue and every discount code we issue to a shopper."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow

# Lifecycle of an issued code: pending (ours, not yet at Shopify) -> issued (the discount
# exists at Shopify) -> used (an order carried it); failed when Shopify refused it for good.
PENDING = "pending"
ISSUED = "issued"
USED = "used"
FAILED = "failed"


class Reward(Base):
    """A reward shoppers can buy with points. Deleting one archives it, so codes already
    issued from it keep their history."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Money)
    points_cost: Mapped[int] = mapped_column(Integer)
    minimum_order: Mapped[Decimal | None] = mapped_column(Money)
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IssuedCode(Base):
    """A single-use discount code for one customer, from a redemption or a reward earned."""

    __tablename__ = "issued_codes"
    __table_args__ = (
        UniqueConstraint("shop_id", "code"),
        # The same earned reward (a stamp card, a referral) is issued once, however often
        # the event behind it is replayed.
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_issued_codes_customer", "shop_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(191))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal] = mapped_column(Money)
    minimum_order: Mapped[Decimal | None] = mapped_column(Money)
    points_spent: Mapped[int] = mapped_column(Integer, default=0)
    points_debit_key: Mapped[str | None] = mapped_column(String(191))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    shopify_discount_id: Mapped[str | None] = mapped_column(String(128))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_shopify_order_id: Mapped[int | None] = mapped_column(BigInteger)
