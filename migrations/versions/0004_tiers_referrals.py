"""VIP tiers (memberships, the history of moves, each tier's segment and discounts at
Shopify) and referrals (each member's code with its friend discount, and one referral per
referred friend)

Revision ID: 0004_tiers_referrals
Revises: 0003_stamps_rewards
Create Date: 2026-11-23 10:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_tiers_referrals"
down_revision: str | None = "0003_stamps_rewards"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _shop_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["shop_id"], ["shops.id"], name=op.f(f"fk_{table}_shop_id_shops"), ondelete="CASCADE"
    )


def _customer_fk(table: str, column: str = "customer_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["customers.id"],
        name=op.f(f"fk_{table}_{column}_customers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "tier_memberships",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("tier_key", sa.String(length=64), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("below_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        _shop_fk("tier_memberships"),
        _customer_fk("tier_memberships"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_memberships")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_tier_memberships_shop_id_customer_id")
        ),
    )

    op.create_table(
        "tier_moves",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("from_tier", sa.String(length=64), nullable=True),
        sa.Column("to_tier", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("qualifying_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        _shop_fk("tier_moves"),
        _customer_fk("tier_moves"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_moves")),
    )
    with op.batch_alter_table("tier_moves", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tier_moves_customer", ["shop_id", "customer_id", "moved_at"], unique=False
        )

    op.create_table(
        "tier_discounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("tier_key", sa.String(length=64), nullable=False),
        sa.Column("segment_gid", sa.String(length=128), nullable=True),
        sa.Column("discount_gid", sa.String(length=128), nullable=True),
        sa.Column("discount_code", sa.String(length=255), nullable=True),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("discount_active", sa.Boolean(), nullable=False),
        sa.Column("shipping_gid", sa.String(length=128), nullable=True),
        sa.Column("shipping_code", sa.String(length=255), nullable=True),
        sa.Column("shipping_active", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        _shop_fk("tier_discounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_discounts")),
        sa.UniqueConstraint("shop_id", "tier_key", name=op.f("uq_tier_discounts_shop_id_tier_key")),
    )

    op.create_table(
        "referral_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("friend_code", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discount_gid", sa.String(length=128), nullable=True),
        sa.Column("discount_terms", sa.String(length=191), nullable=True),
        sa.Column("discount_active", sa.Boolean(), nullable=False),
        sa.Column("discount_synced_at", sa.DateTime(timezone=True), nullable=True),
        _shop_fk("referral_codes"),
        _customer_fk("referral_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_referral_codes_shop_id_code")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_referral_codes_shop_id_customer_id")
        ),
        sa.UniqueConstraint(
            "shop_id", "friend_code", name=op.f("uq_referral_codes_shop_id_friend_code")
        ),
    )

    op.create_table(
        "referrals",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("referral_code_id", ID, nullable=False),
        sa.Column("referrer_customer_id", ID, nullable=False),
        sa.Column("friend_customer_id", ID, nullable=False),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("matched_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("referrer_points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _shop_fk("referrals"),
        sa.ForeignKeyConstraint(
            ["referral_code_id"],
            ["referral_codes.id"],
            name=op.f("fk_referrals_referral_code_id_referral_codes"),
            ondelete="CASCADE",
        ),
        _customer_fk("referrals", "referrer_customer_id"),
        _customer_fk("referrals", "friend_customer_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
        sa.UniqueConstraint(
            "shop_id", "friend_customer_id", name=op.f("uq_referrals_shop_id_friend_customer_id")
        ),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_referrer", ["shop_id", "referrer_customer_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_referrer")

    op.drop_table("referrals")
    op.drop_table("referral_codes")
    op.drop_table("tier_discounts")
    with op.batch_alter_table("tier_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_tier_moves_customer")

    op.drop_table("tier_moves")
    op.drop_table("tier_memberships")
