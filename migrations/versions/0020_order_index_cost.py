"""orders and friends: no index that another one already serves; the insights read the index

Five tables had an index of ``shop_id`` alone beside a unique key that starts with
``shop_id`` (customers, orders, refunds, member offers, backfill runs). The unique key
answers every lookup by shop, and the cascade of a shop's deletion, as well; the lone index
only cost a write for every new customer, order and refund.

The insights fold every paid order of a shop into one row per customer, a pass over every
order up to the period's end. Walking ``ix_orders_customer_paid`` in customer order, they
fetched each order's row from the table for its subtotal, refunds, test flag and
cancellation: a million random reads for a million orders. On PostgreSQL the index now
carries those four columns (``INCLUDE``), so the pass reads the index alone (half the time
of that scan on a year of a million orders). Rebuilding it holds back writes to ``orders``
for as long as the build takes (about two seconds per million orders); deliveries are
still received and stored meanwhile, and applied once it is done.

Revision ID: 0020_order_index_cost
Revises: 0019_waiting_indexes
Create Date: 2026-11-24 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020_order_index_cost"
down_revision: str | None = "0019_waiting_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVED_BY_UNIQUE_KEY = ("customers", "orders", "refunds", "member_offers", "backfill_runs")
ORDER_FIGURES = ["subtotal", "refunded_subtotal", "test", "cancelled_at"]
CUSTOMER_PAID = ["shop_id", "customer_id", "paid_at"]


def upgrade() -> None:
    for table in SERVED_BY_UNIQUE_KEY:
        op.drop_index(f"ix_{table}_shop_id", table_name=table)
    op.drop_index("ix_orders_customer_paid", table_name="orders")
    op.create_index(
        "ix_orders_customer_paid", "orders", CUSTOMER_PAID, postgresql_include=ORDER_FIGURES
    )


def downgrade() -> None:
    op.drop_index("ix_orders_customer_paid", table_name="orders")
    op.create_index("ix_orders_customer_paid", "orders", CUSTOMER_PAID)
    for table in SERVED_BY_UNIQUE_KEY:
        op.create_index(f"ix_{table}_shop_id", table, ["shop_id"])
