"""storefront: rate-limit counters of the widget's writes

Adds ``storefront_rate_limits``: hits per shop, limit key (the whole shop, or one shopper)
and one-minute window, shared by every web process.

Revision ID: 0007_storefront
Revises: 0006_admin_insights
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_storefront"
down_revision: str | None = "0006_admin_insights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "storefront_rate_limits",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("limit_key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_storefront_rate_limits_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storefront_rate_limits")),
        sa.UniqueConstraint(
            "shop_id",
            "limit_key",
            "window_start",
            name=op.f("uq_storefront_rate_limits_shop_id_limit_key_window_start"),
        ),
    )
    with op.batch_alter_table("storefront_rate_limits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_storefront_rate_limits_window", ["shop_id", "window_start"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("storefront_rate_limits", schema=None) as batch_op:
        batch_op.drop_index("ix_storefront_rate_limits_window")
    op.drop_table("storefront_rate_limits")
