"""notifications: the outbox of emails to shoppers, unsubscribes and marketing consent

Adds ``notification_messages`` (one row per fact told to a shopper, unique per shop and
event key, so replays never send twice), ``notification_unsubscribes`` (shoppers who
followed an email's unsubscribe link) and the customer's email marketing consent
(``customers.accepts_email_marketing`` and when it last changed at Shopify).

Revision ID: 0009_notifications
Revises: 0008_admin_terms
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_notifications"
down_revision: str | None = "0008_admin_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column(
                "accepts_email_marketing",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("email_consent_updated_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "notification_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=191), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skip_reason", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_notification_messages_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_notification_messages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_messages")),
        sa.UniqueConstraint(
            "shop_id", "event_key", name=op.f("uq_notification_messages_shop_id_event_key")
        ),
    )
    op.create_index(
        "ix_notification_messages_customer",
        "notification_messages",
        ["shop_id", "customer_id", "created_at"],
    )
    op.create_table(
        "notification_unsubscribes",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_notification_unsubscribes_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_notification_unsubscribes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_unsubscribes")),
        sa.UniqueConstraint(
            "shop_id", "customer_id", name=op.f("uq_notification_unsubscribes_shop_id_customer_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("notification_unsubscribes")
    op.drop_index("ix_notification_messages_customer", table_name="notification_messages")
    op.drop_table("notification_messages")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("email_consent_updated_at")
        batch.drop_column("accepts_email_marketing")
