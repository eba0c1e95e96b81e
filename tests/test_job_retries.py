"""Queued outbound work is retried with growing delays and recorded when it fails."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.worker import backoff_delay
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.queue import PermanentJobError, enqueue, job
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

FAILURES_LEFT: dict[str, int] = {}


@job("tests.flaky")
def flaky(services: Services, shop_domain: str, payload: dict) -> None:
    """Fails as often as the payload says, like Shopify being down for a while."""
    key = payload["name"]
    if FAILURES_LEFT.get(key, 0) > 0:
        FAILURES_LEFT[key] -= 1
        raise ConnectionError("Shopify did not answer")


@job("tests.hopeless")
def hopeless(services: Services, shop_domain: str, payload: dict) -> None:
    raise PermanentJobError("the discount was refused for good")


def queue(services: Services, kind: str, name: str) -> None:
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop)).one()
        enqueue(session, shop, kind, {"name": name}, key=f"{kind}:{name}")
        enqueue(session, shop, kind, {"name": name}, key=f"{kind}:{name}")  # queued once


def stored(services: Services) -> Job:
    with services.db.sessions() as session:
        return session.scalars(select(Job)).one()


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(attempt) for attempt in range(1, 16)]
    assert 1.6 <= delays[0] <= 2.4
    assert 3.2 <= delays[1] <= 4.8
    assert all(later > earlier for earlier, later in zip(delays[:5], delays[1:6], strict=True))
    assert max(delays) <= 3600 * 1.2


def test_a_failing_job_waits_then_succeeds(shop: str, services: Services, settle) -> None:
    FAILURES_LEFT["twice"] = 2
    queue(services, "tests.flaky", "twice")
    settle()
    first = stored(services)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.last_error == "ConnectionError: Shopify did not answer"
    assert timedelta(seconds=1) < first.next_attempt_at - utcnow() < timedelta(seconds=3)
    for _ in range(2):
        with services.db.transaction() as session:
            session.scalars(select(Job)).one().next_attempt_at = utcnow()
        settle()
    done = stored(services)
    assert (done.status, done.attempts, done.last_error) == ("done", 3, None)


def test_a_hopeless_job_fails_at_once_with_its_reason(shop: str, services, settle) -> None:
    queue(services, "tests.hopeless", "refused")
    settle()
    failed = stored(services)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == "the discount was refused for good"
