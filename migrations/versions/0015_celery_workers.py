"""celery workers: when a message last carried an event or a job, and indexes for hot queries

Adds ``webhook_events.dispatched_at`` and ``jobs.dispatched_at``: the sweeper sends a Celery
message again for an event or job that is due but whose last message is older than the
redelivery window (a lost message, a killed worker), and no sooner.

Revision ID: 0015_celery_workers
Revises: 0014_monitoring
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_celery_workers"
down_revision: str | None = "0014_monitoring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("dispatched_at")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("dispatched_at")
