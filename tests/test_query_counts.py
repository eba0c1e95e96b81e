"""No N+1 queries on the proxy and admin paths: the SQL statements a request sends do not
grow with the customer's ledger, the reward catalogue or the number of tiers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import event, select

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.inbox.worker import InboxWorker, Result
from shopify_loyalty.services import Services
from tests.conftest import new_id
from tests.engine.conftest import admin_headers, deliver, points_of  # noqa: F401
from tests.engine.test_points_earning import paid_order, refund
from tests.storefront.conftest import ProxyClient, member, proxy  # noqa: F401

Counter = Callable[[Callable[[], requests.Response]], int]


@pytest.fixture
def statements(services: Services) -> Counter:
    """How many SQL statements the app sends while answering one request (the in-process
    worker's own polling is not counted)."""

    def count(call: Callable[[], requests.Response]) -> int:
        sent = 0
        lock = threading.Lock()

        def listener(*_: Any, **__: Any) -> None:
            nonlocal sent
            if threading.current_thread().name != "inbox-worker":
                with lock:
                    sent += 1

        event.listen(services.db.engine, "before_cursor_execute", listener)
        try:
            response = call()
        finally:
            event.remove(services.db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200, response.text
        return sent

    return count


def test_member_and_admin_views_send_as_many_statements_for_a_long_history(
    http: requests.Session,
    proxy: ProxyClient,  # noqa: F811
    member: Callable[[int], int],  # noqa: F811
    deliver: Callable[..., requests.Response],  # noqa: F811
    admin_headers: dict[str, str],  # noqa: F811
    statements: Counter,
    settle: Callable[..., None],
) -> None:
    newcomer, regular = member(100), member(100)
    for _ in range(3):
        deliver("orders/paid", paid_order(new_id(), newcomer, "12.00"))
    for _ in range(12):
        deliver("orders/paid", paid_order(new_id(), regular, "12.00"))
    for points in range(1, 25):
        response = http.post(
            f"/admin/api/customers/{regular}/adjustments",
            json={"points": points, "reason": "Goodwill"},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text
    settle()

    def views(customer: int) -> dict[str, int]:
        return {
            "me": statements(lambda: proxy.get("/api/me", customer)),
            "history": statements(lambda: proxy.get("/api/history", customer)),
            "program": statements(lambda: proxy.get("/api/program")),
            "admin": statements(
                lambda: http.get(f"/admin/api/customers/{customer}", headers=admin_headers)
            ),
        }

    # Settings, the default catalogue and each member's referral code are made on first use.
    views(newcomer)
    views(regular)
    few = views(newcomer)
    many = views(regular)

    assert many == few

    # A bigger catalogue and more tiers.
    for cost in range(100, 1100, 100):
        response = http.post(
            "/admin/api/rewards",
            json={"kind": "fixed_amount", "value": "5", "points_cost": cost},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text
    response = http.put(
        "/admin/api/settings/tiers",
        json={
            "tiers": [
                {"name": "Bronze", "threshold": 10},
                {"name": "Silver", "threshold": 100},
                {"name": "Gold", "threshold": 500},
                {"name": "Platinum", "threshold": 1000},
            ]
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    settle()
    views(regular)

    assert views(regular) == few


# What the widget's ``/me`` sends (SQLite's BEGIN IMMEDIATE is a statement of its own):
# the shop with the shopper, each row they have at most one of and their audiences, the
# settings, and one query for each list (a shopper who never bought a membership has no
# periods to read); a first visit also makes the referral code and queues its friend
# discount, one INSERT each (and on PostgreSQL one more statement lets that commit go
# without waiting for the disk).
ME_FIRST_VISIT = 11
ME_RETURNING = 9


def test_a_shoppers_first_visit_and_every_later_one_send_a_fixed_few_statements(
    proxy: ProxyClient,  # noqa: F811
    member: Callable[[int], int],  # noqa: F811
    statements: Counter,
    database_url: str,
) -> None:
    begin = 1 if database_url.startswith("sqlite") else 0
    proxy.get("/api/me", member(100))  # settings and the default catalogue, made once
    shopper = member(100)

    first = statements(lambda: proxy.get("/api/me", shopper))
    again = statements(lambda: proxy.get("/api/me", shopper))

    relaxed = 0 if database_url.startswith("sqlite") else 1
    assert (first, again) == (ME_FIRST_VISIT + begin + relaxed, ME_RETURNING + begin)


def test_every_statement_of_the_worker_proxy_and_admin_paths_can_use_an_index(
    http: requests.Session,
    proxy: ProxyClient,  # noqa: F811
    member: Callable[[int], int],  # noqa: F811
    deliver: Callable[..., requests.Response],  # noqa: F811
    admin_headers: dict[str, str],  # noqa: F811
    services: Services,
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("query plans are checked on PostgreSQL")
    customer = member(100)
    deliver("orders/paid", paid_order(new_id(), customer, "12.00"))
    proxy.get("/api/me", customer)
    captured: list[tuple[str, Any]] = []

    def listener(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")):
            captured.append((statement, parameters))

    event.listen(services.db.engine, "before_cursor_execute", listener)
    try:
        order = new_id()
        deliver("orders/paid", paid_order(order, customer, "30.00"))
        deliver("refunds/create", refund(new_id(), order, "10.00"))
        for path in ("/api/me", "/api/history", "/api/program"):
            assert proxy.get(path, customer).status_code == 200
        for path in (f"/admin/api/customers/{customer}", "/admin/api/rewards", "/healthz"):
            assert http.get(path, headers=admin_headers).status_code == 200
    finally:
        event.remove(services.db.engine, "before_cursor_execute", listener)

    without_index = []
    statements = {" ".join(s.split()): (s, p) for s, p in captured}
    connection = services.db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        # With sequential scans priced out, a plan that still has one has no index to use.
        cursor.execute("SET enable_seqscan = off")
        for statement, parameters in statements.values():
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan" in plan:
                without_index.append(f"{statement}\n{plan}")
    finally:
        connection.rollback()
        connection.close()

    assert len(statements) > 40
    assert without_index == []


def test_a_paid_order_of_a_regular_is_applied_in_as_many_statements_as_a_newcomers(
    member: Callable[[int], int],  # noqa: F811
    deliver: Callable[..., requests.Response],  # noqa: F811
    services: Services,
) -> None:
    """The end of a paid order tells the customer's week of facts: what was told before is
    skipped in one query, not looked at row by row. Each customer's last paid order is
    applied again in this thread (nothing new to write, the whole week to look at)."""
    newcomer, regular = member(100), member(100)
    deliver("orders/paid", paid_order(new_id(), newcomer, "12.00"))
    last_of_newcomer = last_paid_event(services)
    for _ in range(12):
        deliver("orders/paid", paid_order(new_id(), regular, "12.00"))
    last_of_regular = last_paid_event(services)

    def statements_to_apply_again(event_id: int) -> int:
        sent = 0
        here = threading.current_thread()

        def listener(*_: Any, **__: Any) -> None:
            nonlocal sent
            if threading.current_thread() is here:
                sent += 1

        event.listen(services.db.engine, "before_cursor_execute", listener)
        try:
            assert InboxWorker(services).replay(event_id) == Result.DONE
        finally:
            event.remove(services.db.engine, "before_cursor_execute", listener)
        return sent

    statements_to_apply_again(last_of_newcomer)  # settings and caches warm
    few = statements_to_apply_again(last_of_newcomer)
    many = statements_to_apply_again(last_of_regular)

    # A regular also has a tier and a full stamp card to tell of; nothing grows per row.
    assert many <= few + 2, (few, many)


def last_paid_event(services: Services) -> int:
    with services.db.sessions() as session:
        found = session.scalar(
            select(WebhookEvent.id)
            .where(WebhookEvent.topic == "orders/paid")
            .order_by(WebhookEvent.id.desc())
            .limit(1)
        )
    assert found is not None
    return found
