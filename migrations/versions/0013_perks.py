"""perks: member-only offers, early access windows, audience snapshot and grants

Adds ``member_offers`` (time-boxed code discounts for chosen audiences, with their Shopify
discount id), ``early_access_windows`` (products and collections only chosen audiences may
buy between two moments), ``perk_segments`` (the Shopify customer segment of each
audience), ``perk_audience_members`` (who is in which audience as of the last refresh) and
``early_access_grants`` (who had access to a window while it was open).

Revision ID: 0013_perks
Revises: 0012_email_metafields
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_perks"
down_revision: str | None = "0012_email_metafields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(14, 2)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "member_offers",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("minimum_subtotal", MONEY, nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("once_per_customer", sa.Boolean(), nullable=False),
        sa.Column("audiences", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discount_gid", sa.String(length=128), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("member_offers", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name="pk_member_offers"),
        sa.UniqueConstraint("shop_id", "code", name="uq_member_offers_shop_id_code"),
    )
    op.create_index("ix_member_offers_shop_id", "member_offers", ["shop_id"])
    op.create_table(
        "early_access_windows",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("product_ids", sa.Text(), nullable=False),
        sa.Column("collection_ids", sa.Text(), nullable=False),
        sa.Column("audiences", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("early_access_windows", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name="pk_early_access_windows"),
    )
    op.create_index("ix_early_access_windows_shop_id", "early_access_windows", ["shop_id"])
    op.create_table(
        "perk_segments",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("audience", sa.String(length=96), nullable=False),
        sa.Column("segment_gid", sa.String(length=128), nullable=False),
        _fk("perk_segments", "shop_id", "shops"),
        sa.PrimaryKeyConstraint("id", name="pk_perk_segments"),
        sa.UniqueConstraint("shop_id", "audience", name="uq_perk_segments_shop_id_audience"),
    )
    op.create_table(
        "perk_audience_members",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("audience", sa.String(length=96), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        _fk("perk_audience_members", "shop_id", "shops"),
        _fk("perk_audience_members", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name="pk_perk_audience_members"),
        sa.UniqueConstraint(
            "shop_id",
            "audience",
            "customer_id",
            name="uq_perk_audience_members_shop_id_audience_customer_id",
        ),
    )
    op.create_table(
        "early_access_grants",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("window_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        _fk("early_access_grants", "shop_id", "shops"),
        _fk("early_access_grants", "window_id", "early_access_windows"),
        _fk("early_access_grants", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name="pk_early_access_grants"),
        sa.UniqueConstraint(
            "shop_id",
            "window_id",
            "customer_id",
            name="uq_early_access_grants_shop_id_window_id_customer_id",
        ),
    )
    op.create_index("ix_early_access_grants_window", "early_access_grants", ["window_id"])


def downgrade() -> None:
    op.drop_index("ix_early_access_grants_window", table_name="early_access_grants")
    op.drop_table("early_access_grants")
    op.drop_table("perk_audience_members")
    op.drop_table("perk_segments")
    op.drop_index("ix_early_access_windows_shop_id", table_name="early_access_windows")
    op.drop_table("early_access_windows")
    op.drop_index("ix_member_offers_shop_id", table_name="member_offers")
    op.drop_table("member_offers")
