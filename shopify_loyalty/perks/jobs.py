"""The perks jobs: Shopify work queued by offers and early access windows, and the hourly
refresh of audiences and tags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.perks.audiences import REFRESH_JOB
from shopify_loyalty.perks.offer_discounts import sync_offer
from shopify_loyalty.perks.offers import SYNC_JOB
from shopify_loyalty.perks.refresh import has_perks, refresh_perks
from shopify_loyalty.services import Services
from shopify_loyalty.tiers.job_shop import shop_for_job


@job(SYNC_JOB)
def run_sync_offer(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    offer_id = payload.get("offer_id")
    if not isinstance(offer_id, int):
        raise PermanentJobError(f"{SYNC_JOB} needs an offer_id")
    sync_offer(services, shop_domain, offer_id)


@job(REFRESH_JOB)
def run_refresh(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    refresh_perks(services, shop_domain)


def run_periodic(services: Services, shop_domain: str, now: datetime) -> None:
    """The hourly refresh, for shops that use perks."""
    with services.db.transaction() as session:
        busy = has_perks(session, shop_for_job(session, shop_domain), now)
    if busy:
        refresh_perks(services, shop_domain, now)
