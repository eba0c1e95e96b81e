"""customer indexes: every table that points at a customer is found by that customer

Deleting a customer (privacy redaction, ``customers/redact``, ``shop/redact``) removes
their rows from every table that references ``customers.id``, by the cascade or by a
delete of its own. The existing indexes on those tables start with ``shop_id``, so each
of those deletes scanned the whole table; an index that starts with the customer column
finds the rows directly.

Revision ID: 0017_customer_indexes
Revises: 0016_widget_indexes
Create Date: 2026-11-23 19:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017_customer_indexes"
down_revision: str | None = "0016_widget_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) for each column referencing customers.id that no index starts with.
CUSTOMER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("customer_birthdays", "customer_id"),
    ("customer_metafield_syncs", "customer_id"),
    ("early_access_grants", "customer_id"),
    ("issued_codes", "customer_id"),
    ("ledger_entries", "customer_id"),
    ("notification_messages", "customer_id"),
    ("notification_unsubscribes", "customer_id"),
    ("paid_memberships", "customer_id"),
    ("perk_audience_members", "customer_id"),
    ("points_expiry_reminders", "customer_id"),
    ("program_events", "customer_id"),
    ("referral_codes", "customer_id"),
    ("referrals", "referrer_customer_id"),
    ("referrals", "friend_customer_id"),
    ("stamp_cards", "customer_id"),
    ("stamp_entries", "customer_id"),
    ("stamp_orders", "customer_id"),
    ("survey_responses", "customer_id"),
    ("tier_memberships", "customer_id"),
    ("tier_moves", "customer_id"),
)


def upgrade() -> None:
    for table, column in CUSTOMER_COLUMNS:
        op.create_index(f"ix_{table}_{column}", table, [column])


def downgrade() -> None:
    for table, column in reversed(CUSTOMER_COLUMNS):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
