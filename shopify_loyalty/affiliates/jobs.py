"""The affiliate jobs: each code's discount at Shopify, kept in step with the merchant."""

from __future__ import annotations

from typing import Any

from shopify_loyalty.affiliates.codes import SYNC_JOB
from shopify_loyalty.affiliates.discounts import sync_code_discount
from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.services import Services


@job(SYNC_JOB)
def run_sync_code(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    code_id = payload.get("code_id")
    if isinstance(code_id, bool) or not isinstance(code_id, int):
        raise PermanentJobError(f"{SYNC_JOB} needs a code_id")
    sync_code_discount(services, shop_domain, code_id)
