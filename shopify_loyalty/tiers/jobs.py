"""The tier jobs: Shopify work queued by tier moves and settings changes, run after commit."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.services import Services
from shopify_loyalty.tiers.customer_tags import sync_customer_tag
from shopify_loyalty.tiers.tier_discounts import sync_tier_program


@job("tiers.sync_customer_tag")
def run_sync_customer_tag(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    customer_id = payload.get("customer_id")
    if not isinstance(customer_id, int):
        raise PermanentJobError("tiers.sync_customer_tag needs a customer_id")
    sync_customer_tag(services, shop_domain, customer_id)


@job("tiers.sync_program")
def run_sync_program(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    sync_tier_program(services, shop_domain)
