"""Finished work is forgotten after the retention period: applied and ignored events and
done jobs go, failed and waiting ones stay, and a delivery repeated after its event was
deleted still credits its order once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from shopify_loyalty.cli import main
from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import DONE, FAILED, IGNORED, PENDING, PROCESSING, WebhookEvent
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.points.ledger import Balance
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.retention import prune_finished_work
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import new_id
from tests.engine.test_points_earning import paid_order
from tests.test_operations import use_app_settings

KEEP = timedelta(days=30)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OLD = NOW - KEEP - timedelta(hours=1)
YOUNG = NOW - KEEP + timedelta(hours=1)


def event(status: str, written: datetime, ended: datetime | None) -> WebhookEvent:
    return WebhookEvent(
        shop_domain="retention.myshopify.com",
        topic="orders/paid",
        webhook_id=f"w-{new_id()}",
        payload="{}",
        status=status,
        received_at=written,
        next_attempt_at=written,
        processed_at=ended,
    )


def store_events(services: Services, rows: list[tuple[str, WebhookEvent]]) -> dict[str, int]:
    """Store the events in this order (ids grow with it); their ids by name."""
    with services.db.transaction() as session:
        for _, row in rows:
            session.add(row)
            session.flush()
        return {name: row.id for name, row in rows}


def remaining_events(services: Services, ids: dict[str, int]) -> set[str]:
    with services.db.sessions() as session:
        kept = set(
            session.scalars(select(WebhookEvent.id).where(WebhookEvent.id.in_(ids.values())))
        )
    return {name for name, row_id in ids.items() if row_id in kept}


@pytest.mark.usefixtures("worker_held")
def test_events_that_ended_before_the_period_go_and_every_other_stays(
    services: Services,
) -> None:
    ids = store_events(
        services,
        [
            # Kept at the front of the table: the walk goes past them.
            ("failed long ago", event(FAILED, OLD - timedelta(days=9), OLD)),
            ("pending long ago", event(PENDING, OLD - timedelta(days=9), None)),
            ("processing long ago", event(PROCESSING, OLD - timedelta(days=9), None)),
            ("applied long ago", event(DONE, OLD - timedelta(days=8), OLD - timedelta(days=8))),
            ("ignored long ago", event(IGNORED, OLD - timedelta(days=7), OLD)),
            ("applied just before", event(DONE, OLD, OLD)),
            # Received before the cutoff but applied after it (a long retry): kept.
            ("applied late", event(DONE, OLD, YOUNG)),
            ("applied recently", event(DONE, YOUNG, YOUNG)),
            ("applied just now", event(DONE, NOW, NOW)),
            # The newest row stays, however old, so SQLite never reuses its id.
            ("the newest", event(DONE, OLD, OLD)),
        ],
    )

    pruned = prune_finished_work(services.db, NOW, KEEP, chunk=2)

    assert pruned.events == 3
    assert remaining_events(services, ids) == {
        "failed long ago",
        "pending long ago",
        "processing long ago",
        "applied late",
        "applied recently",
        "applied just now",
        "the newest",
    }
    # Once more changes nothing.
    assert prune_finished_work(services.db, NOW, KEEP, chunk=2).events == 0


@pytest.mark.usefixtures("worker_held")
def test_jobs_done_before_the_period_go_and_failed_or_waiting_ones_stay(
    services: Services, shop: str
) -> None:
    def job(key: str, status: str, written: datetime, ended: datetime | None) -> Job:
        return Job(
            shop_id=shop_id,
            kind="retention.test",
            key=key,
            status=status,
            created_at=written,
            next_attempt_at=written,
            finished_at=ended,
        )

    with services.db.transaction() as session:
        shop_id = session.scalars(select(Shop.id).where(Shop.domain == shop)).one()
        session.add_all(
            [
                job("failed", "failed", OLD, OLD),
                job("done long ago", "done", OLD, OLD),
                job("pending", "pending", OLD, None),
                job("done recently", "done", YOUNG, YOUNG),
                job("the newest", "done", OLD, OLD),
            ]
        )

    assert prune_finished_work(services.db, NOW, KEEP, chunk=1).jobs == 1

    with services.db.sessions() as session:
        keys = set(session.scalars(select(Job.key).where(Job.kind == "retention.test")))
    assert keys == {"failed", "pending", "done recently", "the newest"}


def test_a_delivery_repeated_after_its_event_was_deleted_credits_its_order_once(
    sender: Any,
    shop: str,
    settle: Callable[..., None],
    services: Services,
    points_of: Callable[[int], Balance],
) -> None:
    customer, order = new_id(), new_id()
    payload = paid_order(order, customer, "84.50")
    ids = {"event_id": f"e-{order}", "webhook_id": f"w-{order}"}
    first = sender.deliver(shop, "orders/paid", payload, **ids)
    assert first.status_code == 200, first.text
    later = sender.deliver(shop, "orders/paid", paid_order(new_id(), new_id()))
    assert later.status_code == 200, later.text
    settle()

    pruned = prune_finished_work(services.db, utcnow() + KEEP + timedelta(days=1), KEEP)
    assert pruned.events == 1  # the first; the later one is the newest row

    again = sender.deliver(shop, "orders/paid", payload, **ids)
    assert again.status_code == 200, again.text
    assert again.json()["event"] != first.json()["event"]  # stored anew
    settle()

    assert points_of(customer) == Balance(available=0, pending=84)
    with services.db.sessions() as session:
        credits = session.scalar(select(func.count()).where(LedgerEntry.shopify_order_id == order))
    assert credits == 1


def test_the_prune_command_keeps_what_is_younger_than_the_setting(
    shop: str, sender: Any, settle: Callable[..., None], services: Services, monkeypatch: Any
) -> None:
    for _ in range(2):
        sender.deliver(shop, "orders/paid", paid_order(new_id(), new_id()))
    settle()
    use_app_settings(services, monkeypatch)
    monkeypatch.setenv("LOYALTY_RETENTION_DAYS", "3")

    result = CliRunner().invoke(main, ["events", "prune"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "deleted 0 events and 0 jobs that ended over 3 days ago"
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 2
