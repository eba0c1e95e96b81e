"""widget indexes: a shopper's orders by payment time

``/proxy/api/me`` asks for a shopper's recent paid orders (the ones awaiting feedback) and
their spend in the tier window; ``ix_orders_customer_paid`` answers both from the index
with 100,000 customers and a million orders.

Revision ID: 0016_widget_indexes
Revises: 0015_celery_workers
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_widget_indexes"
down_revision: str | None = "0015_celery_workers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_customer_paid", "orders", ["shop_id", "customer_id", "paid_at"])


def downgrade() -> None:
    op.drop_index("ix_orders_customer_paid", table_name="orders")
