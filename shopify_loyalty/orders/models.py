"""Paid orders and their refunds, in the shop's currency (never the presentment one)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow

# The columns the insights read of every paid order, beside the index's own.
ORDER_FIGURES = ["subtotal", "refunded_subtotal", "test", "cancelled_at"]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("shop_id", "shopify_order_id"),
        # A shopper's orders by payment time: the widget's recent orders and tier spend. On
        # PostgreSQL it holds what the insights count of each order too, so their pass over
        # a year of orders reads the index alone.
        Index(
            "ix_orders_customer_paid",
            "shop_id",
            "customer_id",
            "paid_at",
            postgresql_include=ORDER_FIGURES,
        ),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    total_price: Mapped[Decimal] = mapped_column(Money)
    refunded_subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    discount_codes: Mapped[str] = mapped_column(Text, default="")
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    source_name: Mapped[str | None] = mapped_column(String(64))
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_refund_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_refund_id: Mapped[int] = mapped_column(BigInteger)
    shopify_order_id: Mapped[int] = mapped_column(BigInteger, index=True)
    subtotal: Mapped[Decimal] = mapped_column(Money)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
