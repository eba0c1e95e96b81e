"""Backfill runs: the checkpoint that lets an interrupted import of a shop's past customers
and orders resume where it stopped

Revision ID: 0006_admin_insights
Revises: 0005_affiliates
Create Date: 2026-11-23 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_admin_insights"
down_revision: str | None = "0005_affiliates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "backfill_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("credit_points", sa.Boolean(), nullable=False),
        sa.Column("bulk_operation_id", sa.String(length=128), nullable=True),
        sa.Column("result_url", sa.Text(), nullable=True),
        sa.Column("records_total", sa.Integer(), nullable=True),
        sa.Column("records_done", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_backfill_runs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backfill_runs")),
        sa.UniqueConstraint(
            "shop_id",
            "source",
            "source_key",
            name=op.f("uq_backfill_runs_shop_id_source_source_key"),
        ),
    )
    with op.batch_alter_table("backfill_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backfill_runs_shop_id"), ["shop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("backfill_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_backfill_runs_shop_id"))
    op.drop_table("backfill_runs")
