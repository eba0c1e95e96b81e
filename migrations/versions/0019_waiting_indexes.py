"""inbox and jobs: indexes of the rows still waiting and of the failed ones, not of all

Workers take the oldest due events and jobs (``ORDER BY id LIMIT``), and the sweeper looks
for those left behind the same way. Both tables keep every finished row, so once a backlog
was a few percent of a table PostgreSQL walked the primary key through every finished row
to reach the waiting ones: 35 ms per claim with 200,000 applied events, growing with the
table, just when the backlog is large. A partial index of the waiting rows (pending, or
leased and not finished) gives a claim those and nothing else.

The ``(status, next_attempt_at)`` indexes had an entry for every row and took a new one at
every change of status; what they served is served by the waiting index and a partial
index of the failed rows (the health report counts them, the admin lists them). So a
delivery costs one index entry on its way in and none on being applied.

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
    "webhook_events": "status IN ('pending', 'processing')",
    "jobs": "status IN ('pending', 'running')",
}
FAILED = "status = 'failed'"


def upgrade() -> None:
    for table, waiting in WAITING.items():
        _partial(f"ix_{table}_waiting", table, waiting)
        _partial(f"ix_{table}_failed", table, FAILED)
    op.drop_index("ix_webhook_events_due", table_name="webhook_events")
    op.drop_index("ix_jobs_due", table_name="jobs")


def downgrade() -> None:
    op.create_index("ix_jobs_due", "jobs", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_events_due", "webhook_events", ["status", "next_attempt_at"])
    for table in WAITING:
        op.drop_index(f"ix_{table}_failed", table_name=table)
        op.drop_index(f"ix_{table}_waiting", table_name=table)


def _partial(name: str, table: str, where: str) -> None:
    condition = sa.text(where)
    op.create_index(name, table, ["id"], postgresql_where=condition, sqlite_where=condition)
