"""email_metafields: affiliate payout emails and the customer metafield mirror

``notification_messages`` may now go to an affiliate instead of a customer
(``affiliate_id``; ``customer_id`` becomes optional), and ``customer_metafield_syncs``
records what was last written to each customer's metafields at Shopify and whether it may
be out of date.

Revision ID: 0012_email_metafields
Revises: 0011_paid_membership
Create Date: 2026-11-23 15:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_email_metafields"
down_revision: str | None = "0011_paid_membership"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("notification_messages") as batch:
        batch.alter_column("customer_id", existing_type=ID, nullable=True)
        batch.add_column(sa.Column("affiliate_id", ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_notification_messages_affiliate_id_affiliates"),
            "affiliates",
            ["affiliate_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "customer_metafield_syncs",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("written", sa.Text(), nullable=False),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_metafield_syncs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_metafield_syncs_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_metafield_syncs")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_customer_metafield_syncs_shop_id_customer_id")
        ),
    )
    op.create_index(
        "ix_customer_metafield_syncs_stale",
        "customer_metafield_syncs",
        ["shop_id", "stale_since"],
    )


def downgrade() -> None:
    op.drop_index("ix_customer_metafield_syncs_stale", table_name="customer_metafield_syncs")
    op.drop_table("customer_metafield_syncs")
    with op.batch_alter_table("notification_messages") as batch:
        batch.drop_constraint(
            op.f("fk_notification_messages_affiliate_id_affiliates"), type_="foreignkey"
        )
        batch.drop_column("affiliate_id")
        batch.alter_column("customer_id", existing_type=ID, nullable=False)
