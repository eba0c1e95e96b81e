"""The paid membership's Shopify work, queued with the change that calls for it."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.paid_membership.customer_tag import sync_member_tag
from shopify_loyalty.paid_membership.discounts import SYNC, sync_membership_discounts
from shopify_loyalty.paid_membership.status import SYNC_TAG
from shopify_loyalty.services import Services


@job(SYNC_TAG)
def run_sync_member_tag(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    customer_id = payload.get("customer_id")
    if not isinstance(customer_id, int):
        raise PermanentJobError(f"{SYNC_TAG} needs a customer_id")
    sync_member_tag(services, shop_domain, customer_id)


@job(SYNC)
def run_sync_discounts(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    sync_membership_discounts(services, shop_domain)
