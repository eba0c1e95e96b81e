"""Periodic work is queued once an hour per installed shop, however many ask for it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.periodic import queue_periodic_work
from shopify_loyalty.services import Services
from tests.conftest import OTHER_SHOP


def periodic_jobs(services: Services) -> list[tuple[str, str]]:
    with services.db.sessions() as session:
        return [
            (job.key, job.status)
            for job in session.scalars(
                select(Job).where(Job.kind == "periodic.hourly").order_by(Job.id)
            )
        ]


def test_each_installed_shop_gets_one_job_per_hour(
    shop: str, install, services: Services, settle
) -> None:
    install(OTHER_SHOP)
    at = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)
    assert queue_periodic_work(services, at) == 2
    assert queue_periodic_work(services, at.replace(minute=55)) == 2
    settle()
    assert periodic_jobs(services) == [
        ("periodic.hourly:2026-11-23T09", "done"),
        ("periodic.hourly:2026-11-23T09", "done"),
    ]
    queue_periodic_work(services, at.replace(hour=10))
    settle()
    assert len(periodic_jobs(services)) == 4
