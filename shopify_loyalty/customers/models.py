"""A shop's customer, keyed on Shopify's customer id within the shop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_customer_id"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    shopify_customer_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    shopify_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shopify's email marketing consent (state "subscribed"), and when the shopper last
    # changed it there, so an older delivery never overrides a newer choice.
    accepts_email_marketing: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    email_consent_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by customers/redact: personal fields are gone, the row stays as a pseudonym so that
    # ledger totals (and the shop's liability) stay right.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or (self.email or f"Customer {self.shopify_customer_id}")
