"""A queued piece of outbound work, unique per shop and key, with its retry state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, only_where, utcnow


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("shop_id", "key"),
        # Only the waiting rows (claims take the oldest) and the failed ones (counted and
        # listed): a finished row has no entry, however many there are (migration 0019).
        Index("ix_jobs_waiting", "id", **only_where("status IN ('pending', 'running')")),
        Index("ix_jobs_failed", "id", **only_where("status = 'failed'")),
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(191))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a Celery message last carried this job's id (null: only the enqueuer's own).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
