"""Affiliates (partners paid for the orders they bring), their exclusive codes, the clicks
on their links, one conversion per order they brought with its commission, and payouts

Revision ID: 0005_affiliates
Revises: 0004_tiers_referrals
Create Date: 2026-11-23 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_affiliates"
down_revision: str | None = "0004_tiers_referrals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(precision=14, scale=2)
TIME = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "affiliates",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("shopify_customer_id", sa.BigInteger(), nullable=True),
        sa.Column("commission_kind", sa.String(length=16), nullable=False),
        sa.Column("commission_value", MONEY, nullable=False),
        sa.Column("payout_method", sa.String(length=32), nullable=False),
        sa.Column("payout_details", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("portal_token_digest", sa.String(length=64), nullable=True),
        sa.Column("portal_link_made_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _fk("affiliates", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliates")),
        sa.UniqueConstraint("portal_token_digest", name=op.f("uq_affiliates_portal_token_digest")),
    )
    with op.batch_alter_table("affiliates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affiliates_shop_id"), ["shop_id"], unique=False)

    op.create_table(
        "affiliate_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("affiliate_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("discount_kind", sa.String(length=16), nullable=False),
        sa.Column("discount_value", MONEY, nullable=False),
        sa.Column("minimum_order", MONEY, nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("once_per_customer", sa.Boolean(), nullable=False),
        sa.Column("ends_at", TIME, nullable=True),
        sa.Column("max_orders", sa.Integer(), nullable=True),
        sa.Column("max_commission", MONEY, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("discount_gid", sa.String(length=128), nullable=True),
        sa.Column("synced_version", sa.Integer(), nullable=True),
        sa.Column("sync_error", sa.Text(), nullable=True),
        sa.Column("flagged_at", TIME, nullable=True),
        sa.Column("flag_note", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        _fk("affiliate_codes", "shop_id", "shops"),
        _fk("affiliate_codes", "affiliate_id", "affiliates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_codes")),
        sa.UniqueConstraint("shop_id", "code", name=op.f("uq_affiliate_codes_shop_id_code")),
    )
    with op.batch_alter_table("affiliate_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_affiliate_codes_affiliate_id"), ["affiliate_id"], unique=False
        )

    op.create_table(
        "affiliate_clicks",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("affiliate_id", ID, nullable=False),
        sa.Column("code_id", ID, nullable=False),
        sa.Column("clicked_at", TIME, nullable=False),
        _fk("affiliate_clicks", "shop_id", "shops"),
        _fk("affiliate_clicks", "affiliate_id", "affiliates"),
        _fk("affiliate_clicks", "code_id", "affiliate_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_clicks")),
    )
    with op.batch_alter_table("affiliate_clicks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_affiliate_clicks_affiliate", ["shop_id", "affiliate_id", "clicked_at"], unique=False
        )

    op.create_table(
        "affiliate_payouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("affiliate_id", ID, nullable=False),
        sa.Column("covers_until", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("conversions", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("paid_at", TIME, nullable=False),
        _fk("affiliate_payouts", "shop_id", "shops"),
        _fk("affiliate_payouts", "affiliate_id", "affiliates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_payouts")),
        sa.UniqueConstraint(
            "shop_id",
            "affiliate_id",
            "covers_until",
            name=op.f("uq_affiliate_payouts_shop_id_affiliate_id_covers_until"),
        ),
    )
    with op.batch_alter_table("affiliate_payouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_affiliate_payouts_affiliate_id"), ["affiliate_id"], unique=False
        )

    op.create_table(
        "affiliate_conversions",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("affiliate_id", ID, nullable=False),
        sa.Column("code_id", ID, nullable=False),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("matched_by", sa.String(length=32), nullable=False),
        sa.Column("new_customer", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_subtotal", MONEY, nullable=False),
        sa.Column("refunded_subtotal", MONEY, nullable=False),
        sa.Column("commission_kind", sa.String(length=16), nullable=False),
        sa.Column("commission_value", MONEY, nullable=False),
        sa.Column("commission_limit", MONEY, nullable=True),
        sa.Column("commission", MONEY, nullable=False),
        sa.Column("paid_commission", MONEY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("ordered_at", TIME, nullable=False),
        sa.Column("approve_at", TIME, nullable=False),
        sa.Column("approved_at", TIME, nullable=True),
        sa.Column("payout_id", ID, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        _fk("affiliate_conversions", "shop_id", "shops"),
        _fk("affiliate_conversions", "affiliate_id", "affiliates"),
        _fk("affiliate_conversions", "code_id", "affiliate_codes"),
        _fk("affiliate_conversions", "customer_id", "customers", ondelete="SET NULL"),
        _fk("affiliate_conversions", "payout_id", "affiliate_payouts", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliate_conversions")),
        sa.UniqueConstraint(
            "shop_id",
            "shopify_order_id",
            name=op.f("uq_affiliate_conversions_shop_id_shopify_order_id"),
        ),
    )
    with op.batch_alter_table("affiliate_conversions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_affiliate_conversions_affiliate",
            ["shop_id", "affiliate_id", "ordered_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_affiliate_conversions_code", ["shop_id", "code_id", "ordered_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_affiliate_conversions_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("affiliate_conversions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliate_conversions_customer_id"))
        batch_op.drop_index("ix_affiliate_conversions_code")
        batch_op.drop_index("ix_affiliate_conversions_affiliate")
    op.drop_table("affiliate_conversions")
    with op.batch_alter_table("affiliate_payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliate_payouts_affiliate_id"))
    op.drop_table("affiliate_payouts")
    with op.batch_alter_table("affiliate_clicks", schema=None) as batch_op:
        batch_op.drop_index("ix_affiliate_clicks_affiliate")
    op.drop_table("affiliate_clicks")
    with op.batch_alter_table("affiliate_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliate_codes_affiliate_id"))
    op.drop_table("affiliate_codes")
    with op.batch_alter_table("affiliates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliates_shop_id"))
    op.drop_table("affiliates")
