"""The sweeper sends again what was left behind, and leaves a backlog waiting in the broker's
queue alone instead of doubling it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import update

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.services import Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.standin.webhook_sender import WebhookSender
from shopify_loyalty.workers.celery_app import QUEUE
from shopify_loyalty.workers.sweeper import sweep
from tests.conftest import new_id
from tests.engine.test_points_earning import paid_order
from tests.recorded_dispatch import RecordedDispatch


@pytest.fixture
def redis_services(worker_environ: dict[str, str]) -> Iterator[Services]:
    services = Services.from_settings(load_settings(worker_environ))
    yield services
    services.db.dispose()


def test_an_event_sent_long_ago_is_sent_again_unless_a_backlog_is_queued(
    shop: str,
    celery_sender: WebhookSender,
    services: Services,
    redis_services: Services,
    broker: redis.Redis,
) -> None:
    response = celery_sender.deliver(shop, "orders/paid", paid_order(new_id(), new_id()))
    event_id = response.json()["event"]
    assert sweep(redis_services, RecordedDispatch()).events == 0  # just sent: left alone
    long_ago = utcnow() - timedelta(minutes=5)
    with services.db.transaction() as session:
        session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(received_at=long_ago, next_attempt_at=long_ago)
        )

    queued = RecordedDispatch()
    assert broker.llen(QUEUE) == 1  # its own message is still waiting
    sweep(redis_services, queued)
    broker.delete(QUEUE)  # the message is lost
    lost = RecordedDispatch()
    sweep(redis_services, lost)
    again = RecordedDispatch()
    sweep(redis_services, again)

    assert (queued.events, lost.events, again.events) == ([], [event_id], [])
