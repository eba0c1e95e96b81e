"""Marking a customer's metafields as possibly out of date, and scheduling the flush.

Called wherever a customer's balance, stamps, tier or stage may change (a ledger row, a
stamp, a tier move, a new member), in the caller's transaction; see ``sync`` for the flush.

Nothing in the marking transaction reads the marks back, so on PostgreSQL and SQLite they
are kept on the session and written in one statement when it commits (the paid orders of a
batch applied together: one statement, not one each). Code that reads or deletes the rows in a
transaction that may have marked some calls :func:`write_stale_marks` first. A savepoint
that rolls back takes the marks made inside it with it, as it would take the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Insert, Select, Table, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, SessionTransaction

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
# (shop id, customer id): (stale since, the savepoint it was marked in or None), in
# ``session.info`` until written.
WAITING_MARKS = "metafields.waiting_marks"
# The dialects whose marks wait for the commit (they have ``ON CONFLICT DO UPDATE``).
UPSERTING = ("postgresql", "sqlite")


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
    # First: queueing the flush may release a savepoint, which writes the waiting marks.
    schedule_flush(session, shop, now)
    if session.get_bind().dialect.name in UPSERTING:
        waiting: dict[tuple[int, int], tuple[datetime, SessionTransaction | None]]
        waiting = session.info.setdefault(WAITING_MARKS, {})
        # A mark made again after a savepoint rolled back keeps the earlier moment.
        waiting.setdefault((shop.id, customer.id), (now, session.get_nested_transaction()))
    else:
        _mark_now(session, shop, customer, now)
    marked[(shop.id, customer.id)] = True


def _mark_now(session: Session, shop: Shop, customer: Customer, now: datetime) -> None:
    """The mark written at once (databases without ``ON CONFLICT``)."""
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


def write_stale_marks(session: Session) -> None:
    """Write the marks this transaction made and has not written yet, in one statement:
    a customer's row is created stale, or an up-to-date row becomes stale."""
    waiting: dict[tuple[int, int], tuple[datetime, SessionTransaction | None]] = (
        session.info.pop(WAITING_MARKS, None) or {}
    )
    if not waiting:
        return
    session.flush()
    # In key order: two transactions writing marks of the same customers lock their rows
    # in the same order.
    rows = [
        {"shop_id": shop_id, "customer_id": customer_id, "written": "{}", "stale_since": since}
        for (shop_id, customer_id), (since, _) in sorted(waiting.items())
    ]
    statement = _upsert(session.get_bind().dialect.name)
    for start in range(0, len(rows), 1000):
        session.connection().execute(statement, rows[start : start + 1000])


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
def _upsert(dialect: str) -> Insert:
    """Built once: the row inserted stale, or the stored row made stale unless it already
    is (its moment kept). ``RETURNING`` makes SQLAlchemy send several rows as one
    statement."""
    table = CustomerMetafieldSync.__table__
    assert isinstance(table, Table)
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.shop_id, table.c.customer_id],
        set_={"stale_since": func.coalesce(table.c.stale_since, statement.excluded.stale_since)},
    ).returning(table.c.id)


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    # Also at a savepoint's release: its marks then belong to the enclosing transaction.
    write_stale_marks(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    waiting: dict[tuple[int, int], tuple[datetime, SessionTransaction | None]] | None = (
        session.info.get(WAITING_MARKS)
    )
    if not waiting:
        return
    boundary: SessionTransaction | None = previous
    while boundary is not None and not boundary.nested:
        boundary = boundary.parent
    if boundary is None:  # the whole transaction: see below
        return
    for key in [key for key, (_, made_in) in waiting.items() if _within(made_in, boundary)]:
        del waiting[key]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    # Written by the commit, or gone with the transaction (rolled back, or closed unended).
    if transaction.parent is None:
        session.info.pop(WAITING_MARKS, None)


def _within(made_in: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while made_in is not None:
        if made_in is savepoint:
            return True
        made_in = made_in.parent
    return False


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
