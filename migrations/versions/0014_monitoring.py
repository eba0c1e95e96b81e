"""monitoring: worker heartbeats and recent Admin API failures

Adds ``worker_heartbeats`` (one row per running worker, touched on every pass, so
``/healthz`` in any web process sees workers running elsewhere) and ``admin_api_failures``
(each failed Admin API attempt per shop, kept for a day, for the health report).

Revision ID: 0014_monitoring
Revises: 0013_perks
Create Date: 2026-11-23 15:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_monitoring"
down_revision: str | None = "0013_perks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_heartbeats")),
        sa.UniqueConstraint("owner", name=op.f("uq_worker_heartbeats_owner")),
    )
    op.create_index(
        op.f("ix_worker_heartbeats_beat_at"), "worker_heartbeats", ["beat_at"], unique=False
    )
    op.create_table(
        "admin_api_failures",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_api_failures")),
    )
    op.create_index(op.f("ix_admin_api_failures_at"), "admin_api_failures", ["at"], unique=False)
    op.create_index(
        "ix_admin_api_failures_shop_at", "admin_api_failures", ["shop_domain", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_admin_api_failures_shop_at", table_name="admin_api_failures")
    op.drop_index(op.f("ix_admin_api_failures_at"), table_name="admin_api_failures")
    op.drop_table("admin_api_failures")
    op.drop_index(op.f("ix_worker_heartbeats_beat_at"), table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
