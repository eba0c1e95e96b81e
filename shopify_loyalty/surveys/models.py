"""One survey answer per order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow

SATISFACTION_LEVELS: tuple[str, ...] = (
    "not_satisfied",
    "somewhat_satisfied",
    "satisfied",
    "very_satisfied",
    "extremely_satisfied",
)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # A shopper answers once per order; the feedback bonus hangs on this row.
        UniqueConstraint("shop_id", "shopify_order_id"),
        Index("ix_survey_responses_customer", "shop_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)
    satisfaction: Mapped[str] = mapped_column(String(32))
    recommendation_score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
