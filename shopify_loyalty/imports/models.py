"""A backfill run: where it reads from and how far it got, so an interrupted run resumes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow

RUNNING = "running"
FINISHED = "finished"


class BackfillRun(Base):
    """One backfill of a shop from one source (``admin`` or ``csv``).

    ``source_key`` names what is read (the CSV file's digest; ``admin`` for the shop's own
    history), so running the same backfill again picks up at ``records_done``, the
    checkpoint written after every batch, and a finished run is not repeated.
    """

    __tablename__ = "backfill_runs"
    __table_args__ = (UniqueConstraint("shop_id", "source", "source_key"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    credit_points: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shopify's bulk operation and its result file, kept so a resumed run reads the same file.
    bulk_operation_id: Mapped[str | None] = mapped_column(String(128))
    result_url: Mapped[str | None] = mapped_column(Text)
    records_total: Mapped[int | None] = mapped_column(Integer)
    records_done: Mapped[int] = mapped_column(Integer, default=0)
    # Distinct customers read (counted when the run finishes) and orders applied so far.
    customers: Mapped[int] = mapped_column(Integer, default=0)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
