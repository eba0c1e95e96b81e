"""inbox and jobs: an index of the rows still waiting, in the order they came

Workers take the oldest due events and jobs (``ORDER BY id LIMIT``), and the sweeper looks
for those left behind the same way. Both tables keep every row they have finished, so
once a backlog is a few percent of a table PostgreSQL walks the primary key through every
finished row to reach the waiting ones: 35 ms per claim with 200,000 applied events, and
growing with the table, just when the backlog is large. A partial index holds only the
waiting rows (pending, or leased and not finished), so a claim reads those and nothing else.

Revision ID: 0019_waiting_indexes
Revises: 0018_inbox_write_cost
Create Date: 2026-11-23 22:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_waiting_indexes"
down_revision: str | None = "0018_inbox_write_cost"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = {
    "webhook_events": sa.text("status IN ('pending', 'processing')"),
    "jobs": sa.text("status IN ('pending', 'running')"),
}


def upgrade() -> None:
    for table, waiting in WAITING.items():
        op.create_index(
            f"ix_{table}_waiting", table, ["id"], postgresql_where=waiting, sqlite_where=waiting
        )


def downgrade() -> None:
    for table in WAITING:
        op.drop_index(f"ix_{table}_waiting", table_name=table)
