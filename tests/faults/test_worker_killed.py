"""A worker process killed in the middle of an event (its effects written, not committed):
the next worker applies the event once its lease runs out; nothing is lost and nothing is
credited twice."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shopify_loyalty.inbox.models import DONE, PROCESSING, WebhookEvent
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.stamps.models import StampEntry
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id, sample
from tests.faults.conftest import WorkerProcess, wait_until


def event_state(services: Services, webhook_id: str) -> tuple[str, int]:
    with services.db.sessions() as session:
        event = session.scalars(
            select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)
        ).one()
        return event.status, event.attempts


def effects(services: Services) -> tuple[list[tuple[str, int]], int]:
    with services.db.sessions() as session:
        ledger = [
            (entry.reason, entry.points)
            for entry in session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
        ]
        stamps = len(session.scalars(select(StampEntry)).all())
        return ledger, stamps


def test_a_worker_killed_before_its_commit_leaves_the_event_to_the_next_worker_applied_once(
    shop: str,
    services: Services,
    sender: WebhookSender,
    worker_processes: Callable[..., WorkerProcess],
    stop_in_process_worker: Callable[[], None],
) -> None:
    stop_in_process_worker()
    paid = sample("orders/paid", id=new_id())
    assert sender.deliver(shop, "orders/paid", paid, webhook_id="w-kill").status_code == 200

    doomed = worker_processes(
        LOYALTY_FAULT_PAUSE="before_commit=60", LOYALTY_WORKER_LEASE_SECONDS="2"
    )
    doomed.wait_for_output("fault pause: before_commit")
    doomed.kill()

    assert event_state(services, "w-kill") == (PROCESSING, 1)
    assert effects(services) == ([], 0)  # written inside the transaction, never committed

    worker_processes()

    def applied() -> bool:
        return event_state(services, "w-kill")[0] == DONE

    wait_until(applied, 20, "the next worker to apply the event after the lease ran out")
    assert event_state(services, "w-kill") == (DONE, 2)
    ledger, stamps = effects(services)
    assert [reason for reason, _ in ledger].count("order") == 1
    assert sum(points for reason, points in ledger if reason == "order") > 0
    once = (ledger, stamps)

    # Shopify, having seen no answer in time, delivers it again: nothing changes.
    again = sender.deliver(shop, "orders/paid", paid, webhook_id="w-kill")
    assert again.json()["status"] == "duplicate"
    assert sender.deliver(shop, "orders/paid", paid).json()["status"] == "accepted"

    def both_done() -> bool:
        with services.db.sessions() as session:
            statuses = session.scalars(select(WebhookEvent.status)).all()
        return set(statuses) == {DONE}

    wait_until(both_done, 20, "the second event of the same order to be applied")
    assert effects(services) == once
