"""The outbox of messages to shoppers, and the shoppers who unsubscribed from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow

# A message is queued (its send job is waiting), sent, or skipped for good with a reason.
QUEUED = "queued"
SENT = "sent"
SKIPPED = "skipped"

# Why a message was not sent.
NO_EMAIL = "no_email"
NO_CONSENT = "no_consent"
UNSUBSCRIBED = "unsubscribed"
CUSTOMER_GONE = "customer_gone"
SWITCHED_OFF = "switched_off"


class NotificationMessage(Base):
    """One email about one fact (an order's points, a reward code, a tier move ...).

    ``event_key`` names the fact; it is unique per shop, so however often a webhook is
    replayed or a periodic run repeats, the fact is told once. ``data`` is the JSON the
    templates are rendered with, frozen when the fact happened. A message goes to a
    customer, or (the payout notice) to an affiliate: exactly one of the two is set.
    """

    __tablename__ = "notification_messages"
    __table_args__ = (
        UniqueConstraint("shop_id", "event_key"),
        Index("ix_notification_messages_customer", "shop_id", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    affiliate_id: Mapped[int | None] = mapped_column(
        ForeignKey("affiliates.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(191))
    recipient: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8))
    data: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    skip_reason: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailUnsubscribe(Base):
    """A shopper who followed the unsubscribe link of one of our emails.

    It stops the program's marketing emails until the shopper opts in again at Shopify after
    this moment (a newer ``email_consent_updated_at`` on the customer).
    """

    __tablename__ = "notification_unsubscribes"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    unsubscribed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
