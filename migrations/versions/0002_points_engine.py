"""points engine: who made a manual adjustment, birthdays, expiry reminders, survey answers

Adds ``ledger_entries.actor`` (the staff member behind a manual adjustment), the
``customer_birthdays`` shoppers enter for their birthday bonus, the
``points_expiry_reminders`` announcing that points will expire, and the post-purchase
``survey_responses`` (one per order) that earn the feedback bonus.

Revision ID: 0002_points_engine
Revises: 0001_backbone
Create Date: 2026-11-23 08:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_points_engine"
down_revision: str | None = "0001_backbone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor", sa.String(length=255), nullable=True))

    op.create_table(
        "customer_birthdays",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("birthday", sa.Date(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_birthdays_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_customer_birthdays_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_birthdays")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_customer_birthdays_shop_id_customer_id")
        ),
    )
    with op.batch_alter_table("customer_birthdays", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_birthdays_day", ["shop_id", "month", "day"], unique=False
        )

    op.create_table(
        "points_expiry_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_points_expiry_reminders_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_points_expiry_reminders_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_expiry_reminders")),
        sa.UniqueConstraint(
            "shop_id",
            "customer_id",
            "last_activity_at",
            name=op.f("uq_points_expiry_reminders_shop_id_customer_id_last_activity_at"),
        ),
    )
    with op.batch_alter_table("points_expiry_reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_expiry_reminders_shop", ["shop_id", "created_at"], unique=False
        )

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("satisfaction", sa.String(length=32), nullable=False),
        sa.Column("recommendation_score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_survey_responses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_survey_responses_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "shop_id",
            "shopify_order_id",
            name=op.f("uq_survey_responses_shop_id_shopify_order_id"),
        ),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_customer", ["shop_id", "customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_customer")

    op.drop_table("survey_responses")
    with op.batch_alter_table("points_expiry_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_points_expiry_reminders_shop")

    op.drop_table("points_expiry_reminders")
    with op.batch_alter_table("customer_birthdays", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_birthdays_day")

    op.drop_table("customer_birthdays")
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_column("actor")
