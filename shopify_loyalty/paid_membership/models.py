"""The membership lines bought, the refunds of them, and each customer's membership now.

The purchases and refunds are the source of truth; ``paid_memberships`` caches what they
add up to (rebuilt after every change, see periods.py) so the expiry run and the insights
can find members without replaying every purchase.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow

ACTIVE = "active"
ENDED = "ended"


class MembershipPurchase(Base):
    """One order line of the membership product: ``quantity`` periods of the given length.

    ``paid_at`` is None while only the order's cancellation has arrived (out of order);
    ``cancelled_at`` set means the whole line no longer counts.
    """

    __tablename__ = "membership_purchases"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_order_id", "line_item_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    line_item_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    period_length: Mapped[int] = mapped_column(Integer)
    period_unit: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MembershipRefundLine(Base):
    """The membership periods one refund gave back (one row per refund and order line)."""

    __tablename__ = "membership_refund_lines"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_refund_id", "line_item_id"),
        Index("ix_membership_refund_lines_order", "shop_id", "shopify_order_id"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_refund_id: Mapped[int] = mapped_column(BigInteger)
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    line_item_id: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaidMembership(Base):
    """A customer's paid membership as their purchases add up to it (one row per customer).

    ``status`` is active or ended; ``ends_at`` is the end of the last period bought (or the
    moment a refund or cancellation ended it early), ``started_at`` the start of the current
    unbroken run of periods.
    """

    __tablename__ = "paid_memberships"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        Index("ix_paid_memberships_expiry", "shop_id", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
