"""inbox write cost: one index fewer, and lz4 for delivery bodies on PostgreSQL

Every delivery is an insert into ``webhook_events``, so each index and each byte compressed
is paid thousands of times a second at peak. ``ix_webhook_events_shop_domain`` repeated the
first column of both unique constraints (``shop_domain, webhook_id`` and ``shop_domain,
topic, event_id``), which serve every lookup by shop. A delivery body of a few kilobytes is
compressed when stored; PostgreSQL's lz4 does that at a fraction of the default pglz's cost
(used where the server was built with lz4; SQLite has no such setting).

Revision ID: 0018_inbox_write_cost
Revises: 0017_customer_indexes
Create Date: 2026-11-23 19:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_inbox_write_cost"
down_revision: str | None = "0017_customer_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_webhook_events_shop_domain", table_name="webhook_events")
    if _has_lz4():
        op.execute("ALTER TABLE webhook_events ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE webhook_events ALTER COLUMN payload SET COMPRESSION pglz")
    op.create_index("ix_webhook_events_shop_domain", "webhook_events", ["shop_domain"])


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        )
    ).first()
    return found is not None
