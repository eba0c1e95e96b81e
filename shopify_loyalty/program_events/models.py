"""Program events: one row per fact of the program that integrations hear about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class ProgramEvent(Base):
    """A fact of the program (a tier move, an issued code, points earned ...) told to Shopify
    Flow and to the merchant's webhook endpoints.

    ``event_key`` names the fact like the ledger's idempotency keys (``tier.changed:tier:12``);
    it is unique per shop, so a replayed webhook or a repeated periodic run records nothing
    new. ``uid`` is the id integrators see (``X-Loyalty-Event-Id``), the same on every retry
    and redelivery. ``data`` is the event's JSON, frozen when the fact was recorded.
    """

    __tablename__ = "program_events"
    __table_args__ = (
        UniqueConstraint("shop_id", "event_key"),
        UniqueConstraint("uid"),
        Index("ix_program_events_shop_created", "shop_id", "created_at"),
        Index("ix_program_events_customer", "shop_id", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(36))
    topic: Mapped[str] = mapped_column(String(48))
    event_key: Mapped[str] = mapped_column(String(191))
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
