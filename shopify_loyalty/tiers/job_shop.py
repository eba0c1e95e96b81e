"""The shop a queued job works for, looked up by domain when the job runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.jobs.queue import PermanentJobError
from shopify_loyalty.shops.models import Shop


def shop_for_job(session: Session, shop_domain: str) -> Shop:
    """The shop; a job for a shop whose data was erased (shop/redact) can never succeed."""
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None:
        raise PermanentJobError(f"no shop {shop_domain}")
    return shop
