"""Jobs that talk to Shopify about our codes: create an issued code, withdraw a failed one."""

from __future__ import annotations

import logging
from typing import Any

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.rewards.discounts import (
    DiscountToCreate,
    create_discount_code,
    withdraw_discount_code,
)
from shopify_loyalty.rewards.failures import fail_code
from shopify_loyalty.rewards.issuing import CREATE_CODE_JOB
from shopify_loyalty.rewards.models import ISSUED, PENDING, IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop

log = logging.getLogger(__name__)

WITHDRAW_CODE_JOB = "rewards.withdraw_code"


@job(CREATE_CODE_JOB)
def create_code(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    """Create a pending code at Shopify and mark it issued; safe to run again (a code that
    is no longer pending is left alone, one Shopify already has counts as created)."""
    issued_id = int(payload["issued_code_id"])
    with services.db.transaction() as session:
        issued = session.get(IssuedCode, issued_id)
        if issued is None:
            raise PermanentJobError(f"issued code {issued_id} no longer exists")
        if issued.status != PENDING:
            return
        customer = session.get(Customer, issued.customer_id)
        if customer is None:
            raise PermanentJobError(f"customer of issued code {issued_id} no longer exists")
        discount = DiscountToCreate.of(issued, customer)
    try:
        discount_id = create_discount_code(admin_client(services, shop_domain), discount)
    except AdminUserError as refusal:
        mark_failed(services, issued_id, refusal.message)
        raise PermanentJobError(refusal.message) from refusal
    mark_issued(services, issued_id, discount_id)


@job(WITHDRAW_CODE_JOB)
def withdraw_code(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    """Delete a code whose creation we gave up on, in case Shopify created it anyway."""
    code = str(payload["code"])
    if withdraw_discount_code(admin_client(services, shop_domain), code):
        log.info("withdrew discount code %s from %s", code, shop_domain)


def mark_issued(services: Services, issued_id: int, discount_id: str) -> None:
    with services.db.transaction() as session:
        issued = session.get(IssuedCode, issued_id)
        if issued is None:
            return
        issued.shopify_discount_id = discount_id
        issued.error = None
        issued.issued_at = issued.issued_at or utcnow()
        # A code can be used before we hear back (the order webhook came first): keep USED.
        if issued.status == PENDING:
            issued.status = ISSUED
        # The code exists at Shopify now: the shopper can be sent it. (Imported here:
        # notifications read the rewards' records.)
        from shopify_loyalty.program_events.telling import tell_recent_facts

        shop = session.get(Shop, issued.shop_id)
        customer = session.get(Customer, issued.customer_id)
        if shop is not None:
            tell_recent_facts(session, shop, customer)


def mark_failed(services: Services, issued_id: int, error: str) -> None:
    with services.db.transaction() as session:
        issued = session.get(IssuedCode, issued_id)
        if issued is not None:
            fail_code(session, issued, error)
