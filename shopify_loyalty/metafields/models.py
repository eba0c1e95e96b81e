"""What was last written to a customer's metafields, and whether it may be out of date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime


class CustomerMetafieldSync(Base):
    """One row per customer whose program data is mirrored to Shopify.

    ``written`` is the JSON of the values Shopify holds (as last written by us), so a flush
    writes only what changed. ``stale_since`` is set when something happened to the customer
    that may change a value, and cleared by the flush that looked at them.
    """

    __tablename__ = "customer_metafield_syncs"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        Index("ix_customer_metafield_syncs_stale", "shop_id", "stale_since"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    written: Mapped[str] = mapped_column(Text, default="{}")
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
