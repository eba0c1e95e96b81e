"""Worker heartbeats and Admin API failures, kept in the database so every web process
reports on workers and calls that ran in other processes or machines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    """One row per running worker, touched on every pass of its loop."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class AdminApiFailure(Base):
    """One failed Admin API attempt (429, 5xx, timeout, unreachable), retried or final."""

    __tablename__ = "admin_api_failures"
    __table_args__ = (Index("ix_admin_api_failures_shop_at", "shop_domain", "at"),)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
