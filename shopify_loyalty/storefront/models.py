"""Counters of the storefront's write requests, per shop and limit key and time window.

They live in the database so that every web process counts against the same numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime


class RateLimitCounter(Base):
    __tablename__ = "storefront_rate_limits"
    __table_args__ = (
        UniqueConstraint("shop_id", "limit_key", "window_start"),
        Index("ix_storefront_rate_limits_window", "shop_id", "window_start"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    # "shop" for the whole shop, "shopper:<shopify customer id>" for one shopper.
    limit_key: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int] = mapped_column(Integer, default=0)
