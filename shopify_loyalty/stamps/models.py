"""Stamp entries (the append-only stamp ledger), the card each customer holds (a cache of
the entries) and the facts about an order that decide whether it earns a stamp."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, Money, PrimaryKey, UTCDateTime, utcnow

# What a stamp entry records: joining (the head start on card 1), an order's stamp, a
# stamp taken back, a card completed (its reward issued) and the next card opened.
JOINED = "joined"
ORDER = "order"
TAKE_BACK = "take_back"
CARD_COMPLETED = "card_completed"
CARD_OPENED = "card_opened"


class StampEntry(Base):
    """One change to a customer's stamp cards; rows are never updated or deleted.

    ``stamps`` is what the entry did to card ``card_number`` (a take-back of a stamp on a
    card already completed is recorded with 0: the card stays complete).
    """

    __tablename__ = "stamp_entries"
    __table_args__ = (
        UniqueConstraint("shop_id", "idempotency_key"),
        Index("ix_stamp_entries_customer", "shop_id", "customer_id", "id"),
        Index("ix_stamp_entries_order", "shop_id", "shopify_order_id"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    card_number: Mapped[int] = mapped_column(Integer)
    stamps: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(191))
    shopify_order_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StampCard(Base):
    """The customer's open card, cached from the entries (see ``cards.rebuild_card``).

    The row exists once the customer has joined; it is locked while a stamp is added or
    taken back so that two orders of one customer never fill the same slot.
    """

    __tablename__ = "stamp_cards"
    __table_args__ = (UniqueConstraint("shop_id", "customer_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    card_number: Mapped[int] = mapped_column(Integer, default=1)
    collected: Mapped[int] = mapped_column(Integer, default=0)
    completed_cards: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StampOrder(Base):
    """What we know of one order for stamp purposes, whatever order the webhooks came in.

    Refunds and cancellations can arrive before the paid order; they are kept here so that
    the paid order, when it comes, is judged with them. The rule in force when the order was
    paid (minimum subtotal, qualifying lines) is kept with it, so a later change of settings
    never takes back a stamp that was rightly given.
    """

    __tablename__ = "stamp_orders"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_order_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subtotal: Mapped[Decimal | None] = mapped_column(Money)
    minimum_subtotal: Mapped[Decimal | None] = mapped_column(Money)
    # JSON {line_item_id: quantity} of the lines with a qualifying product; null when the
    # shop had no product rule (every paid order qualifies).
    qualifying_lines: Mapped[str | None] = mapped_column(Text)
    # JSON {refund_id: {"subtotal": "12.50", "lines": {line_item_id: quantity}}}.
    refunds: Mapped[str] = mapped_column(Text, default="{}")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
