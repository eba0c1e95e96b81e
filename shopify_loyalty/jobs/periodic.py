"""Periodic work (expiry, birthdays, anniversaries, tier re-evaluation, paid memberships
that ran out, discount upkeep, affiliate approval, metafields of points that became
spendable, perks, notifications and program events).

Without Redis, once an hour every installed shop gets one ``periodic.hourly`` job running
every area in turn. With Redis, Celery beat queues each area on its own
(``periodic.<area>``, see shopify_loyalty.workers.schedule), so the areas of many shops
spread over all workers. Either way a job is keyed on the hour, so any number of workers or
beats asking for it queue it once, and each area's ``run_periodic`` is idempotent for any
``now``, so a missed or repeated hour is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from shopify_loyalty.affiliates.periodic import run_periodic as affiliates_periodic
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.periodic_areas import AREA_NAMES
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

Area = Callable[[Services, str, datetime], Any]

AREAS: dict[str, Area] = {
    "points": points_periodic,
    "tiers": tiers_periodic,
    "paid_membership": paid_membership_periodic,
    "referrals": referrals_periodic,
    "affiliates": affiliates_periodic,
    "metafields": metafields_periodic,
    "perks": perks_periodic,
    # Last: they tell the facts the areas above recorded.
    "notifications": notifications_periodic,
    "program_events": program_events_periodic,
}
if tuple(AREAS) != AREA_NAMES:
    raise RuntimeError("jobs.periodic_areas must name the areas of AREAS, in their order")


def area_kind(area: str) -> str:
    return f"periodic.{area}"


def queue_periodic_work(
    services: Services, now: datetime | None = None, *, area: str | None = None
) -> int:
    """Queue this hour's periodic job (every area, or only ``area``) for every installed
    shop; returns how many shops."""
    if area is not None and area not in AREAS:
        raise ValueError(f"area must be one of {', '.join(AREAS)}")
    kind = KIND if area is None else area_kind(area)
    moment = now or utcnow()
    hour = moment.strftime("%Y-%m-%dT%H")
    with services.db.transaction() as session:
        shops = session.scalars(select(Shop).where(Shop.status == INSTALLED)).all()
        for shop in shops:
            enqueue(session, shop, kind, {"hour": hour}, key=f"{kind}:{hour}")
    return len(shops)


@job(KIND)
def run_periodic_work(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    now = utcnow()
    for area in AREAS.values():
        area(services, shop_domain, now)


def _area_job(area: Area) -> Callable[[Services, str, dict[str, Any]], None]:
    def run(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
        area(services, shop_domain, utcnow())

    return run


for _name, _area in AREAS.items():
    job(area_kind(_name))(_area_job(_area))
