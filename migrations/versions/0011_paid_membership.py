"""paid membership: membership lines bought, their refunds, and each customer's membership

Adds ``membership_purchases`` (one row per order line of the membership product, unique per
shop, order and line), ``membership_refund_lines`` (periods given back, unique per shop,
refund and line) and ``paid_memberships`` (each customer's membership as those add up to,
one row per customer).

Revision ID: 0011_paid_membership
Revises: 0010_flow_webhooks
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_paid_membership"
down_revision: str | None = "0010_flow_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(14, 2)
WHEN = sa.DateTime(timezone=True)


def _owners(table: str, customer: bool = True) -> list[sa.ForeignKeyConstraint]:
    keys = [
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f(f"fk_{table}_shop_id_shops"), ondelete="CASCADE"
        )
    ]
    if customer:
        keys.append(
            sa.ForeignKeyConstraint(
                ["customer_id"],
                ["customers.id"],
                name=op.f(f"fk_{table}_customer_id_customers"),
                ondelete="CASCADE",
            )
        )
    return keys


def upgrade() -> None:
    op.create_table(
        "membership_purchases",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("period_length", sa.Integer(), nullable=False),
        sa.Column("period_unit", sa.String(length=8), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_at", WHEN, nullable=True),
        sa.Column("cancelled_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        *_owners("membership_purchases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_purchases")),
        sa.UniqueConstraint(
            "shop_id",
            "shopify_order_id",
            "line_item_id",
            name=op.f("uq_membership_purchases_shop_id_shopify_order_id_line_item_id"),
        ),
    )
    op.create_index(
        op.f("ix_membership_purchases_customer_id"), "membership_purchases", ["customer_id"]
    )
    op.create_table(
        "membership_refund_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("shopify_refund_id", sa.BigInteger(), nullable=False),
        sa.Column("shopify_order_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("refunded_at", WHEN, nullable=False),
        *_owners("membership_refund_lines", customer=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_refund_lines")),
        sa.UniqueConstraint(
            "shop_id",
            "shopify_refund_id",
            "line_item_id",
            name=op.f("uq_membership_refund_lines_shop_id_shopify_refund_id_line_item_id"),
        ),
    )
    op.create_index(
        "ix_membership_refund_lines_order",
        "membership_refund_lines",
        ["shop_id", "shopify_order_id"],
    )
    op.create_table(
        "paid_memberships",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("ends_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        *_owners("paid_memberships"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paid_memberships")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_paid_memberships_shop_id_customer_id")
        ),
    )
    op.create_index(
        "ix_paid_memberships_expiry", "paid_memberships", ["shop_id", "status", "ends_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_paid_memberships_expiry", table_name="paid_memberships")
    op.drop_table("paid_memberships")
    op.drop_index("ix_membership_refund_lines_order", table_name="membership_refund_lines")
    op.drop_table("membership_refund_lines")
    op.drop_index(op.f("ix_membership_purchases_customer_id"), table_name="membership_purchases")
    op.drop_table("membership_purchases")
