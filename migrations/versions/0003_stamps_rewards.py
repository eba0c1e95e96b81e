"""stamp cards (entries, cached cards, order facts), rewards catalogue and issued codes

Revision ID: 0003_stamps_rewards
Revises: 0002_points_engine
Create Date: 2026-11-23 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_stamps_rewards"
down_revision: str | None = "0002_points_engine"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rewards",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("points_cost", sa.Integer(), nullable=False),
        sa.Column("minimum_order", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_rewards_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "issued_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("reward_id", ID, nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("minimum_order", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("points_spent", sa.Integer(), nullable=False),
        sa.Column("points_debit_key", sa.String(length=191), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shopify_discount_id", sa.String(length=128), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_shopify_order_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_issued_codes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_issued_codes_reward_id_rewards"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_issued_codes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_codes")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_issued_codes_shop_id_code")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_issued_codes_shop_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("issued_codes", schema=None) as batch_op:
        batch_op.create_index("ix_issued_codes_customer", ["shop_id", "customer_id"], unique=False)

    op.create_table(
        "stamp_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("card_number", sa.Integer(), nullable=False),
        sa.Column("stamps", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_stamp_entries_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_stamp_entries_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_entries")),
        sa.UniqueConstraint(
            "shop_id", "idempotency_key", name=op.f("uq_stamp_entries_shop_id_idempotency_key")
        ),
    )
    with op.batch_alter_table("stamp_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stamp_entries_customer", ["shop_id", "customer_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_stamp_entries_order", ["shop_id", "shopify_order_id"], unique=False
        )

    op.create_table(
        "stamp_cards",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("card_number", sa.Integer(), nullable=False),
        sa.Column("collected", sa.Integer(), nullable=False),
        sa.Column("completed_cards", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_stamp_cards_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_stamp_cards_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_cards")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_stamp_cards_shop_id_customer_id")
        ),
    )

    op.create_table(
        "stamp_orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("minimum_subtotal", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("qualifying_lines", sa.Text(), nullable=True),
        sa.Column("refunds", sa.Text(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_stamp_orders_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_stamp_orders_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stamp_orders")),
        sa.UniqueConstraint(
            "shop_id", "shopify_order_id", name=op.f("uq_stamp_orders_shop_id_shopify_order_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("stamp_orders")
    op.drop_table("stamp_cards")
    with op.batch_alter_table("stamp_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_stamp_entries_order")
        batch_op.drop_index("ix_stamp_entries_customer")

    op.drop_table("stamp_entries")
    with op.batch_alter_table("issued_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_codes_customer")

    op.drop_table("issued_codes")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_shop_id"))

    op.drop_table("rewards")
