"""Periodic work (expiry, birthdays, anniversaries, tier re-evaluation, paid memberships
that ran out, discount upkeep, metafields of points that became spendable, notifications).

Once an hour every installed shop gets one ``periodic.hourly`` job, keyed on the hour, so
any number of workers (or a Celery beat) asking for it queue it once. Each area's
``run_periodic`` is idempotent for any ``now``, so a missed or repeated hour is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from shopify_loyalty.affiliates.periodic import run_periodic as affiliates_periodic
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue, job
from shopify_loyalty.metafields.periodic import run_periodic as metafields_periodic
from shopify_loyalty.notifications.periodic import run_periodic as notifications_periodic
from shopify_loyalty.paid_membership.periodic import run_periodic as paid_membership_periodic
from shopify_loyalty.perks.jobs import run_periodic as perks_periodic
from shopify_loyalty.points.periodic import run_periodic as points_periodic
from shopify_loyalty.program_events.periodic import run_periodic as program_events_periodic
from shopify_loyalty.referrals.periodic import run_periodic as referrals_periodic
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import INSTALLED, Shop
from shopify_loyalty.tiers.periodic import run_periodic as tiers_periodic

KIND = "periodic.hourly"

AREAS: tuple[Callable[[Services, str, datetime], Any], ...] = (
    points_periodic,
    tiers_periodic,
    paid_membership_periodic,
    referrals_periodic,
    affiliates_periodic,
    metafields_periodic,
    perks_periodic,
    # Last: they tell the facts the areas above recorded.
    notifications_periodic,
    program_events_periodic,
)


def queue_periodic_work(services: Services, now: datetime | None = None) -> int:
    """Queue this hour's periodic job for every installed shop; returns how many shops."""
    moment = now or utcnow()
    hour = moment.strftime("%Y-%m-%dT%H")
    with services.db.transaction() as session:
        shops = session.scalars(select(Shop).where(Shop.status == INSTALLED)).all()
        for shop in shops:
            enqueue(session, shop, KIND, {"hour": hour}, key=f"{KIND}:{hour}")
    return len(shops)


@job(KIND)
def run_periodic_work(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    now = utcnow()
    for area in AREAS:
        area(services, shop_domain, now)
