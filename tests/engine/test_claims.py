"""Claiming reads only the events and jobs still waiting, however many have finished.

The inbox keeps every applied event and the queue every finished job. A worker's claim asks
for the oldest due ones; it must find them through the index of waiting rows, not by
walking the primary key through every row finished before them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import event, text

from shopify_loyalty.inbox.worker import InboxWorker
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id, sample
from tests.engine.conftest import deliver_all

APPLIED = 20_000
BACKLOG = 1_000


@pytest.mark.usefixtures("worker_held")
def test_a_claim_reads_the_waiting_rows_and_not_those_finished_before(
    shop: str, sender: WebhookSender, services: Services, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("query plans are checked on PostgreSQL")
    with services.db.transaction() as session:
        # Applied events, then a backlog of a shop that has gone (its events are ignored):
        # a backlog of about 5% is what makes a walk along the primary key look cheap.
        session.execute(
            text(
                "INSERT INTO webhook_events (shop_domain, topic, event_id, webhook_id, payload,"
                " status, attempts, received_at, next_attempt_at)"
                " SELECT 'gone.myshopify.com', 'orders/paid', 'e' || n, 'w' || n, '{}',"
                " CASE WHEN n <= :applied THEN 'done' ELSE 'pending' END, 0, now(), now()"
                " FROM generate_series(1, :applied + :backlog) AS n"
            ),
            {"applied": APPLIED, "backlog": BACKLOG},
        )
        # The same for jobs: finished ones, then a backlog of a kind nothing runs (each
        # fails at once).
        session.execute(
            text(
                "INSERT INTO jobs (shop_id, kind, key, payload, status, attempts, created_at,"
                " next_attempt_at) SELECT (SELECT id FROM shops WHERE domain = :shop),"
                " 'retired.kind', 'k' || n, '{}',"
                " CASE WHEN n <= :applied THEN 'done' ELSE 'pending' END, 0, now(), now()"
                " FROM generate_series(1, :applied + :backlog) AS n"
            ),
            {"applied": APPLIED, "backlog": BACKLOG, "shop": shop},
        )
        session.execute(text("ANALYZE webhook_events"))
        session.execute(text("ANALYZE jobs"))
    waiting = [sample("orders/paid", id=new_id()) for _ in range(3)]
    deliver_all(sender, shop, [("orders/paid", payload) for payload in waiting])

    claims: list[tuple[str, Any]] = []

    def listener(
        _c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        # The reads and updates of the inbox (an update of many rows by id needs no plan).
        touches = "webhook_events" in statement or "FROM jobs" in statement
        if touches and not many and not statement.startswith("INSERT"):
            claims.append((statement, parameters))

    worker = InboxWorker(services)
    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        assert worker.run_until_idle() >= 2 * BACKLOG + 3  # the events, then the jobs
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)

    read = rows_read_per_statement(services, claims)
    # The claims were seen: the events' and the jobs'.
    assert any("FROM webhook_events" in s and "ORDER BY" in s for s in read)
    assert any("FROM jobs" in s and "ORDER BY" in s for s in read)
    assert {statement: rows for statement, rows in read.items() if rows > 100} == {}


def rows_read_per_statement(
    services: Services, statements: list[tuple[str, Any]]
) -> dict[str, int]:
    """For each statement, the most rows any step of its plan threw away (EXPLAIN ANALYZE,
    in a transaction rolled back)."""
    read: dict[str, int] = {}
    connection = services.db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN ANALYZE " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            removed = [int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan)]
            read[" ".join(statement.split())] = max(removed, default=0)
            connection.rollback()
    finally:
        connection.rollback()
        connection.close()
    return read
