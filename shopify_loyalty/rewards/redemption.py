"""Redeeming points for a reward: debit, create the code at Shopify, mark it issued.

The order of steps keeps the ledger whole whatever fails:

1. one transaction debits the points (the customer row locked, an overdraft refused with
   409) together with the pending code row, and commits;
2. Shopify creates the discount, outside any transaction (the client retries briefly);
3. the code is marked issued.

If Shopify refuses or does not answer, a compensating row gives the points back, the code
is marked failed and the shopper is told why (502). A code whose create may have landed
after we gave up is withdrawn by a job, so it cannot be used without its points. Should the
process die between steps 1 and 3, the points are spent and the code still pending: a
create job queued with the debit, due a few minutes later, finishes the redemption.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, NotFound, UpstreamError
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.points.locks import lock_customer
from shopify_loyalty.points.spending import debit_points
from shopify_loyalty.rewards.catalogue import find_reward, spec_of
from shopify_loyalty.rewards.discounts import DiscountToCreate, create_discount_code
from shopify_loyalty.rewards.failures import fail_code
from shopify_loyalty.rewards.issuing import CREATE_CODE_JOB, new_issued_code
from shopify_loyalty.rewards.jobs import WITHDRAW_CODE_JOB, mark_issued
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminApiError, AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop

log = logging.getLogger(__name__)

REDEMPTION = "redemption"
# A shopper is waiting on the answer: try Shopify three times (about 1.5 s of backoff),
# not the six a background job can afford.
INTERACTIVE_ATTEMPTS = 3
# Long after any attempt of the request itself can still be running (three attempts with a
# 15 s timeout each), so the recovery job never races the request it stands in for.
RECOVERY_DELAY = timedelta(minutes=5)
# A create we gave up on may still land at Shopify a little later.
WITHDRAW_DELAY = timedelta(minutes=2)


def redeem_reward(
    services: Services, shop_domain: str, shopify_customer_id: int, reward_id: int
) -> IssuedCode:
    """Spend the reward's points on a single-use code for this customer only.

    Raises NotFound for an unknown customer or reward, Conflict for a reward the shop has
    switched off, InsufficientPoints (409, nothing written) when the points do not suffice,
    and UpstreamError (502, points given back) when Shopify does not create the code.
    """
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None or not shop.is_installed:
            raise NotFound("The app is not installed in this shop.")
        customer = find_customer(session, shop, shopify_customer_id)
        if customer is None or customer.deleted_at or customer.redacted_at:
            raise NotFound(
                f"No customer {shopify_customer_id} in this shop.", field="shopify_customer_id"
            )
        # Lock the customer before writing the pending code: its foreign key takes a share
        # lock on the customer row, and two redemptions holding that while both waiting for
        # the debit's exclusive lock would deadlock on PostgreSQL.
        lock_customer(session, customer)
        reward = find_reward(session, shop, reward_id)
        if not reward.active:
            raise Conflict(
                f"The reward {reward.title} is not available at the moment.",
                field="reward_id",
                code="reward_unavailable",
            )
        issued = new_issued_code(
            session,
            shop,
            customer,
            spec_of(reward),
            source=REDEMPTION,
            key=f"{REDEMPTION}:{secrets.token_hex(16)}",
            reward_id=reward.id,
            points_spent=reward.points_cost,
        )
        debit_key = issued.idempotency_key
        debit_points(
            session,
            shop,
            customer,
            reward.points_cost,
            reason=REDEMPTION,
            key=debit_key,
            note=f"{reward.title} (code {issued.code})",
        )
        issued.points_debit_key = debit_key
        issued_id = issued.id
        discount = DiscountToCreate.of(issued, customer)
        enqueue(
            session,
            shop,
            CREATE_CODE_JOB,
            {"issued_code_id": issued_id},
            key=f"{CREATE_CODE_JOB}:{issued_id}",
            run_at=utcnow() + RECOVERY_DELAY,
        )

    try:
        client = admin_client(services, shop_domain)
        client.max_attempts = INTERACTIVE_ATTEMPTS
        discount_id = create_discount_code(client, discount)
    except AdminUserError as refusal:
        _give_back(services, shop_domain, issued_id, refusal.message, withdraw=False)
        raise UpstreamError(
            "Shopify refused to create the discount code, so no points were spent. "
            f"Shopify said: {refusal.message}"
        ) from refusal
    except AdminApiError as failure:
        _give_back(services, shop_domain, issued_id, failure.message, withdraw=True)
        raise UpstreamError(
            "Shopify could not be reached to create the discount code, so no points were "
            "spent. Please try again in a moment."
        ) from failure
    except Exception as error:
        # Whatever went wrong on our side, the shopper must not lose the points.
        _give_back(services, shop_domain, issued_id, f"{type(error).__name__}", withdraw=True)
        raise
    mark_issued(services, issued_id, discount_id)
    with services.db.transaction() as session:
        done = session.get(IssuedCode, issued_id)
        assert done is not None
        return done


def _give_back(
    services: Services, shop_domain: str, issued_id: int, reason: str, *, withdraw: bool
) -> None:
    """Mark the code failed and restore the debit in one transaction; when Shopify may have
    created the code after all, queue its withdrawal in the same transaction."""
    with services.db.transaction() as session:
        issued = session.get(IssuedCode, issued_id)
        assert issued is not None
        shop = session.get(Shop, issued.shop_id)
        assert shop is not None
        fail_code(session, issued, reason)
        if withdraw:
            enqueue(
                session,
                shop,
                WITHDRAW_CODE_JOB,
                {"code": issued.code},
                key=f"{WITHDRAW_CODE_JOB}:{issued.id}",
                run_at=utcnow() + WITHDRAW_DELAY,
            )
    log.warning("redemption of code %s in %s failed: %s", issued_id, shop_domain, reason)
