"""Backfill: bring a shop's past customers and orders into the app, optionally crediting
the points those orders would have earned.

The records are applied in batches of ``BATCH_SIZE``, each in its own transaction that also
moves the run's checkpoint (``BackfillRun.records_done``), so an interrupted backfill
started again with the same source continues after the last committed batch. Applying a
record twice changes nothing (customers and orders are keyed on their Shopify ids, the
points on the order), so a batch cut short is simply applied again.

Past orders earn at the program's base rate (no tier multiplier: tiers are re-evaluated by
the periodic run) and are spendable at once when older than the pending period; they give
no stamps and no bonuses.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import NotFound
from shopify_loyalty.imports import admin_source
from shopify_loyalty.imports.csv_source import parse_csv
from shopify_loyalty.imports.models import FINISHED, RUNNING, BackfillRun
from shopify_loyalty.imports.records import BackfillRecord, PastCustomer, PastOrder
from shopify_loyalty.orders.records import PaidOrder, record_paid_order
from shopify_loyalty.points.earning import credit_order
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop

BATCH_SIZE = 100
ADMIN = "admin"
CSV = "csv"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BackfillResult:
    run_id: int
    resumed_at: int
    records: int
    customers: int
    orders: int
    points_credited: int
    already_done: bool


def backfill_from_admin(
    services: Services,
    shop_domain: str,
    *,
    credit_points: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] | None = None,
) -> BackfillResult:
    """Read the shop's history with a bulk operation (or resume the unfinished one)."""
    with services.db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        run = session.scalar(
            select(BackfillRun)
            .where(
                BackfillRun.shop_id == shop.id,
                BackfillRun.source == ADMIN,
                BackfillRun.status == RUNNING,
            )
            .order_by(BackfillRun.id.desc())
        )
        run_id = run.id if run else None
        operation_id = run.bulk_operation_id if run else None
        url = run.result_url if run else None
    client = admin_client(services, shop_domain)
    if run_id is None:
        operation_id = admin_source.start_bulk_export(client)
        with services.db.transaction() as session:
            shop = installed_shop(session, shop_domain)
            run = BackfillRun(
                shop_id=shop.id,
                source=ADMIN,
                source_key=operation_id,
                bulk_operation_id=operation_id,
                credit_points=credit_points,
            )
            session.add(run)
            session.flush()
            run_id = run.id
    if url is None:
        assert operation_id is not None
        url = admin_source.wait_for_result(client, operation_id, sleep=sleep or time.sleep)
        with services.db.transaction() as session:
            stored = session.get(BackfillRun, run_id)
            assert stored is not None
            stored.result_url = url
    lines = admin_source.download_lines(url) if url else []
    records = list(admin_source.parse_lines(lines))
    return _apply_all(services, shop_domain, run_id, records, credit_points, progress)


def backfill_from_csv(
    services: Services,
    shop_domain: str,
    text: str,
    *,
    credit_points: bool = False,
    progress: Progress | None = None,
) -> BackfillResult:
    """Read the history from a CSV file (csv_source.py); the same file resumes its run."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with services.db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        records = list(parse_csv(text, shop.currency))
        run_id = run_of_file(session, shop, CSV, digest, credit_points).id
    return _apply_all(services, shop_domain, run_id, records, credit_points, progress)


def _apply_all(
    services: Services,
    shop_domain: str,
    run_id: int,
    records: Sequence[BackfillRecord | None],
    credit_points: bool,
    progress: Progress | None,
) -> BackfillResult:
    with services.db.transaction() as session:
        run = session.get(BackfillRun, run_id)
        assert run is not None
        start = run.records_done
        already_done = run.status == FINISHED
        run.records_total = len(records)
    points = 0
    position = start
    if progress is not None:
        progress(position, len(records))
    while not already_done and position < len(records):
        batch = records[position : position + BATCH_SIZE]
        with services.db.transaction() as session:
            shop = installed_shop(session, shop_domain)
            run = session.get(BackfillRun, run_id, with_for_update=True)
            assert run is not None
            for record in batch:
                if isinstance(record, PastOrder):
                    points += _apply_order(session, shop, record, credit_points)
                    run.orders += 1
                elif isinstance(record, PastCustomer):
                    _apply_customer(session, shop, record)
            position += len(batch)
            run.records_done = position
            run.updated_at = utcnow()
        if progress is not None:
            progress(position, len(records))
    with services.db.transaction() as session:
        run = session.get(BackfillRun, run_id)
        assert run is not None
        if run.status != FINISHED:
            run.status = FINISHED
            run.finished_at = utcnow()
            run.customers = len(
                {
                    r.customer.shopify_customer_id
                    if isinstance(r, PastOrder)
                    else r.shopify_customer_id
                    for r in records
                    if r is not None
                }
            )
        return BackfillResult(
            run_id=run.id,
            resumed_at=start,
            records=len(records),
            customers=run.customers,
            orders=run.orders,
            points_credited=points,
            already_done=already_done,
        )


def _apply_customer(session: Session, shop: Shop, past: PastCustomer) -> Customer:
    return record_customer(
        session,
        shop,
        CustomerDetails(
            shopify_customer_id=past.shopify_customer_id,
            email=past.email,
            first_name=past.first_name,
            last_name=past.last_name,
            shopify_created_at=past.created_at,
        ),
    )


def _apply_order(session: Session, shop: Shop, past: PastOrder, credit_points: bool) -> int:
    customer = _apply_customer(session, shop, past.customer)
    order = record_paid_order(
        session,
        shop,
        PaidOrder(
            shopify_order_id=past.shopify_order_id,
            customer=customer,
            name=past.name,
            currency=past.currency or shop.currency,
            subtotal=past.subtotal,
            total_price=past.total_price,
            test=past.test,
            placed_at=past.paid_at,
            paid_at=past.paid_at,
        ),
    )
    if not credit_points or customer.redacted_at is not None:
        return 0
    entry = credit_order(session, shop, customer, order)
    return entry.points if entry is not None else 0


def run_of_file(
    session: Session, shop: Shop, source: str, digest: str, credit_points: bool
) -> BackfillRun:
    """The run importing the file with this digest: the one started before (to resume or
    to find finished), or a new one."""
    run = session.scalar(
        select(BackfillRun).where(
            BackfillRun.shop_id == shop.id,
            BackfillRun.source == source,
            BackfillRun.source_key == digest,
        )
    )
    if run is None:
        run = BackfillRun(
            shop_id=shop.id, source=source, source_key=digest, credit_points=credit_points
        )
        session.add(run)
        session.flush()
    return run


def installed_shop(session: Session, shop_domain: str) -> Shop:
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None or not shop.is_installed:
        raise NotFound(f"The app is not installed in {shop_domain}.", field="shop")
    return shop
