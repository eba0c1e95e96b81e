"""Marking a customer's metafields as possibly out of date, and scheduling the flush.

Called wherever a customer's balance, stamps, tier or stage may change (a ledger row, a
stamp, a tier move, a new member), in the caller's transaction; see ``sync`` for the flush.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import created_in_this_transaction
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.metafields.models import CustomerMetafieldSync
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo
from shopify_loyalty.unique_rows import insert_unless_present

FLUSH_JOB = "metafields.flush"
# How long a flush waits for more events of the same burst.
FLUSH_DELAY = timedelta(seconds=3)
MARKED_MEMO = lasts_the_transaction("metafields.marked_stale")
SCHEDULED_MEMO = lasts_the_transaction("metafields.flush_scheduled")


def mark_metafields_stale(session: Session, shop: Shop, customer: Customer | None) -> None:
    """Something happened to the customer that may change their metafields."""
    if customer is None or customer.redacted_at is not None or customer.deleted_at is not None:
        return
    # Once marked in this transaction the row stays stale and the flush stays queued until
    # it commits: a paid order marks its customer for the points, the stamp and the tier.
    marked = transaction_memo(session, MARKED_MEMO)
    if (shop.id, customer.id) in marked:
        return
    now = utcnow()
    row = (
        None
        if created_in_this_transaction(session, customer)
        else _sync_row(session, shop, customer.id)
    )
    if row is None:
        row = insert_unless_present(
            session,
            CustomerMetafieldSync(
                shop_id=shop.id, customer_id=customer.id, written="{}", stale_since=now
            ),
        ) or _sync_row(session, shop, customer.id)
        assert row is not None
    if row.stale_since is None:
        row.stale_since = now
    schedule_flush(session, shop, now)
    marked[(shop.id, customer.id)] = True


def mark_customers_stale(session: Session, shop: Shop, customer_ids: Iterable[int]) -> int:
    count = 0
    for customer_id in set(customer_ids):
        customer = session.get(Customer, customer_id)
        if customer is not None and customer.shop_id == shop.id:
            mark_metafields_stale(session, shop, customer)
            count += 1
    return count


def _sync_row(session: Session, shop: Shop, customer_id: int) -> CustomerMetafieldSync | None:
    return session.scalar(_sync_row_query(), {"shop_id": shop.id, "customer_id": customer_id})


@cache
def _sync_row_query() -> Select[CustomerMetafieldSync]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(CustomerMetafieldSync).where(
        CustomerMetafieldSync.shop_id == bindparam("shop_id"),
        CustomerMetafieldSync.customer_id == bindparam("customer_id"),
    )


@cache
def _waiting_flush() -> Select[int]:
    # Built once, values bound at execution: building it cost more than sending it.
    return (
        select(Job.id)
        .where(Job.shop_id == bindparam("shop_id"), Job.kind == FLUSH_JOB, Job.status == "pending")
        .limit(1)
    )


def schedule_flush(
    session: Session, shop: Shop, now: datetime, delay: timedelta = FLUSH_DELAY
) -> None:
    """One waiting flush per shop: when one is waiting, it will see this change too."""
    scheduled = transaction_memo(session, SCHEDULED_MEMO)
    if shop.id in scheduled:
        return
    scheduled[shop.id] = True
    waiting = session.scalar(_waiting_flush(), {"shop_id": shop.id})
    if waiting is not None:
        return
    enqueue(
        session,
        shop,
        FLUSH_JOB,
        {},
        key=f"{FLUSH_JOB}:{now.isoformat()}:{uuid.uuid4().hex[:8]}",
        run_at=now + delay,
    )
