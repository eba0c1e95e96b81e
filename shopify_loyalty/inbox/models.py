"""One row per accepted webhook delivery (deduplicated), with its processing state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, only_where, utcnow

PENDING = "pending"
PROCESSING = "processing"
DONE = "done"
FAILED = "failed"
IGNORED = "ignored"
STATUSES = (PENDING, PROCESSING, DONE, FAILED, IGNORED)


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        # Shopify's event id is shared by every delivery one merchant action produces, and
        # one action can produce several topics, so it identifies a duplicate per topic.
        UniqueConstraint("shop_domain", "topic", "event_id", name="uq_webhook_events_event"),
        UniqueConstraint("shop_domain", "webhook_id", name="uq_webhook_events_webhook"),
        # Only the waiting rows (claims take the oldest) and the failed ones (counted and
        # listed): a finished row has no entry, however many there are (migration 0019).
        Index(
            "ix_webhook_events_waiting", "id", **only_where("status IN ('pending', 'processing')")
        ),
        Index("ix_webhook_events_failed", "id", **only_where("status = 'failed'")),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    # Found by shop through the unique constraints above, which start with it.
    shop_domain: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str | None] = mapped_column(String(128))
    webhook_id: Mapped[str | None] = mapped_column(String(128))
    api_version: Mapped[str | None] = mapped_column(String(16))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a Celery message last carried this event's id (null: only the receiver's own).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
