"""Published versions of a shop's program terms, one numbered series per language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class TermsVersion(Base):
    """One published text of the terms. Rows are never changed: a new text is a new row
    with the next number, so what shoppers were shown on any day can be looked up."""

    __tablename__ = "terms_versions"
    __table_args__ = (UniqueConstraint("shop_id", "locale", "version"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # The staff member who published it ("staff:<Shopify user id>"), never a shopper.
    author: Mapped[str] = mapped_column(String(191))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
