"""The points ledger (one row per change, never updated or deleted), the birthdays shoppers
give us for their birthday bonus, and the expiry reminders the periodic job emits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        # Replaying any event writes the same key again, which the database refuses.
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_ledger_entries_customer", "shop_id", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(191))
    shopify_order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Earned points are pending (for returns) until this moment; spendable after.
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    # Who made a manual adjustment (the staff member), for the audit trail.
    actor: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomerBirthday(Base):
    """The birthday a shopper entered; ``month`` and ``day`` are kept apart for the daily
    look-up of whose birthday it is."""

    __tablename__ = "customer_birthdays"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id"),
        Index("ix_customer_birthdays_day", "shop_id", "month", "day"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    birthday: Mapped[date] = mapped_column(Date)
    month: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[int] = mapped_column(SmallInteger)
    # When the shopper last entered or changed it: a birthday entered too close to the day
    # is celebrated from the next year on, so nobody can type in today's date for a bonus.
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ExpiryReminder(Base):
    """Notice that a customer's points will expire at ``expires_at`` unless they are active.

    One row per customer and period of inactivity (``last_activity_at``); the expiry of that
    period waits for ``expires_at``, so nobody loses points without having been told first.
    Other parts of the app (emails, the widget) read these rows.
    """

    __tablename__ = "points_expiry_reminders"
    __table_args__ = (
        UniqueConstraint("shop_id", "customer_id", "last_activity_at"),
        Index("ix_points_expiry_reminders_shop", "shop_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int] = mapped_column(Integer)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
