"""A shop's worth of history, generated straight into the database with bulk inserts.

``customers`` customers and ``orders`` paid orders spread over the 365 days up to now (every
customer buys; order ``n`` belongs to customer ``n mod customers``), one points credit per
order in the ledger (as ``orders/paid`` would have written it), and a stamp card with its
head-start stamps per customer. One dataset serves the widget and the insights benchmarks:
100,000 customers and 1,000,000 orders give 1,000,000 ledger rows.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Table, delete, func, select

from benchmarks.common import DEFAULT_DATABASE_URL, bench_services, ensure_shop, load_average
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import Base
from shopify_loyalty.imports.bulk_insert import insert_rows, move_id_sequence
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.earning import earn_key
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.stamps.models import JOINED, StampCard, StampEntry

FIRST_CUSTOMER_ID = 7_000_000_000_000
FIRST_ORDER_ID = 6_000_000_000_000
HEAD_START = 2
PENDING_DAYS = 14


@dataclass(frozen=True)
class Dataset:
    shop_id: int
    customers: int
    orders: int
    start: datetime
    end: datetime
    seconds: float

    def shopify_customer_id(self, number: int) -> int:
        return FIRST_CUSTOMER_ID + number


def existing(services: Services, shop_id: int) -> tuple[int, int]:
    with services.db.sessions() as session:
        customers = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.shop_id == shop_id)
        )
        orders = session.scalar(
            select(func.count()).select_from(Order).where(Order.shop_id == shop_id)
        )
    return int(customers or 0), int(orders or 0)


def ensure_dataset(
    services: Services, *, customers: int, orders: int, shop_domain: str | None = None
) -> Dataset:
    """The dataset of this size in the shop, generated unless it is there already."""
    shop_id = ensure_shop(services) if shop_domain is None else ensure_shop(services, shop_domain)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=365)
    if existing(services, shop_id) == (customers, orders):
        with services.db.sessions() as session:
            first, last = session.execute(
                select(func.min(Order.paid_at), func.max(Order.paid_at)).where(
                    Order.shop_id == shop_id
                )
            ).one()
        first, last = first or start, last or end  # no orders: the year the dataset spans
        return Dataset(shop_id, customers, orders, first, last + timedelta(seconds=1), 0.0)
    return generate(services, shop_id, customers=customers, orders=orders, start=start, end=end)


def generate(
    services: Services,
    shop_id: int,
    *,
    customers: int,
    orders: int,
    start: datetime,
    end: datetime,
) -> Dataset:
    started = time.perf_counter()
    with services.db.engine.begin() as connection:
        for table in (LedgerEntry, StampEntry, StampCard, Order, Customer):
            connection.execute(delete(table).where(table.shop_id == shop_id))
        first_id = int(connection.scalar(select(func.coalesce(func.max(Customer.id), 0))) or 0) + 1
        insert_rows(
            connection,
            table_of(Customer),
            ("id", "shop_id", "shopify_customer_id", "email", "first_name", "created_at")
            + ("updated_at", "accepts_email_marketing", "shopify_created_at"),
            (
                (
                    first_id + n,
                    shop_id,
                    FIRST_CUSTOMER_ID + n,
                    f"shopper{n}@example.com",
                    f"Shopper {n}",
                    start,
                    start,
                    n % 3 == 0,
                    start,
                )
                for n in range(customers)
            ),
        )
        move_id_sequence(connection, table_of(Customer))
        insert_rows(
            connection,
            table_of(StampCard),
            ("shop_id", "customer_id", "card_number", "collected", "completed_cards", "updated_at"),
            ((shop_id, first_id + n, 1, HEAD_START, 0, start) for n in range(customers)),
        )
        insert_rows(
            connection,
            table_of(StampEntry),
            ("shop_id", "customer_id", "kind", "card_number", "stamps", "idempotency_key")
            + ("created_at",),
            (
                (shop_id, first_id + n, JOINED, 1, HEAD_START, f"join:{first_id + n}", start)
                for n in range(customers)
            ),
        )
        insert_rows(
            connection,
            table_of(Order),
            ("shop_id", "shopify_order_id", "customer_id", "name", "currency", "subtotal")
            + ("total_price", "refunded_subtotal", "discount_codes", "test", "placed_at")
            + ("paid_at", "created_at"),
            (
                (
                    shop_id,
                    FIRST_ORDER_ID + n,
                    first_id + n % customers,
                    f"#{1000 + n}",
                    "USD",
                    subtotal,
                    subtotal + Decimal("4.90"),
                    Decimal("0.00"),
                    "",
                    False,
                    paid_at,
                    paid_at,
                    paid_at,
                )
                for n, paid_at, subtotal in _orders(orders, start, end)
            ),
        )
        insert_rows(
            connection,
            table_of(LedgerEntry),
            ("shop_id", "customer_id", "points", "reason", "source", "idempotency_key")
            + ("shopify_order_id", "available_at", "created_at", "note"),
            (
                (
                    shop_id,
                    first_id + n % customers,
                    int(subtotal),
                    "order",
                    "order",
                    earn_key(FIRST_ORDER_ID + n),
                    FIRST_ORDER_ID + n,
                    paid_at + timedelta(days=PENDING_DAYS),
                    paid_at,
                    f"Points for order #{1000 + n}",
                )
                for n, paid_at, subtotal in _orders(orders, start, end)
            ),
        )
    with services.db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql("VACUUM ANALYZE")
    return Dataset(shop_id, customers, orders, start, end, time.perf_counter() - started)


def _orders(count: int, start: datetime, end: datetime) -> Iterator[tuple[int, datetime, Decimal]]:
    """Order number, payment time (spread evenly, in order) and subtotal, the same every run."""
    rng = random.Random(7)
    span = (end - start).total_seconds()
    for n in range(count):
        paid_at = start + timedelta(seconds=int(span * n / max(count, 1)))
        yield n, paid_at, Decimal(rng.randrange(500, 25_000)) / 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_services(args.database_url) as (services, _env):
        data = ensure_dataset(services, customers=args.customers, orders=args.orders)
    print(
        f"{data.customers} customers, {data.orders} orders in {data.seconds:.1f} s "
        f"(load average {load_average()})"
    )


def table_of(model: type[Base]) -> Table:
    """The mapped table of ``model``, typed as the table it is."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


if __name__ == "__main__":
    main()
