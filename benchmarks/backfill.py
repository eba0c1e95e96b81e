"""Benchmark 4: 1,000,000 historical orders imported from JSONL, against a plain bulk
insert of the same rows (the limit).

Writes a JSONL file of ``orders/paid`` payloads (100,000 customers), imports it with
``backfill_from_jsonl`` (points credited), imports it again (idempotent: nothing added),
then times the limit: the same file read and parsed line by line with ``json.loads`` and
its order rows copied into an empty table shaped like ``orders`` with ``COPY``, without
checks, customers or points.

    python -m benchmarks.backfill --database-url postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_big
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, Table, delete, func, select

from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    bench_services,
    ensure_shop,
    load_average,
    machine,
    run_script,
    script_parser,
)
from shopify_loyalty.imports.bulk_insert import insert_rows
from shopify_loyalty.imports.jsonl_backfill import backfill_from_jsonl
from shopify_loyalty.imports.models import BackfillRun
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry

TARGET_PER_SECOND = 20_000
FIRST_ORDER_ID = 4_000_000_000_000
FIRST_CUSTOMER_ID = 3_000_000_000_000


def write_orders(path: Path, orders: int, customers: int) -> None:
    """``orders`` ``orders/paid`` payloads (the fields the import reads), oldest first."""
    rng = random.Random(11)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=3 * 365)
    span = (end - start).total_seconds()
    with path.open("w", encoding="utf-8") as handle:
        for n in range(orders):
            paid = (start + timedelta(seconds=int(span * n / orders))).isoformat()
            customer = n % customers
            subtotal = Decimal(rng.randrange(500, 25_000)) / 100
            handle.write(
                json.dumps(
                    {
                        "id": FIRST_ORDER_ID + n,
                        "name": f"#{5000 + n}",
                        "currency": "USD",
                        "subtotal_price": str(subtotal),
                        "total_price": str(subtotal + Decimal("4.90")),
                        "test": False,
                        "created_at": paid,
                        "processed_at": paid,
                        "customer": {
                            "id": FIRST_CUSTOMER_ID + customer,
                            "email": f"past{customer}@example.com",
                            "first_name": f"Past {customer}",
                        },
                    }
                )
                + "\n"
            )


def plain_bulk_insert(services: Any, path: Path, shop_id: int) -> tuple[float, int]:
    """The limit: parse every line and COPY its order row into a bare copy of ``orders``."""
    started = time.perf_counter()
    with services.db.engine.begin() as connection:
        # The order columns without constraints, indexes or foreign keys.
        limit_table = Table(
            "limit_orders",
            MetaData(),
            *(Column(column.name, column.type) for column in Order.__table__.columns),
            prefixes=["TEMPORARY"],
        )
        limit_table.create(connection)
        columns: tuple[str, ...] = ("id", "shop_id", "shopify_order_id", "name", "currency")
        columns += ("subtotal",)
        columns += ("total_price", "refunded_subtotal", "discount_codes", "test", "placed_at")
        columns += ("paid_at", "created_at")
        now = datetime.now(UTC)

        def rows() -> Any:
            with path.open(encoding="utf-8") as handle:
                for n, line in enumerate(handle):
                    order = json.loads(line)
                    paid = datetime.fromisoformat(order["processed_at"])
                    yield (
                        n + 1,
                        shop_id,
                        order["id"],
                        order["name"],
                        order["currency"],
                        Decimal(order["subtotal_price"]),
                        Decimal(order["total_price"]),
                        Decimal(0),
                        "",
                        order["test"],
                        paid,
                        paid,
                        now,
                    )

        count = insert_rows(connection, limit_table, columns, rows())
        limit_table.drop(connection)
    return time.perf_counter() - started, count


def run(args: argparse.Namespace) -> dict[str, Any]:
    with (
        bench_services(args.database_url) as (services, _env),
        tempfile.TemporaryDirectory(prefix="loyalty-backfill-") as folder,
    ):
        # A new shop each run: deleting a million rows costs more than importing them.
        shop = f"bench-backfill-{int(time.time())}.myshopify.com"
        shop_id = ensure_shop(services, shop)
        path = Path(folder) / "orders.jsonl"
        started = time.perf_counter()
        write_orders(path, args.orders, args.customers)
        written = time.perf_counter() - started
        size = path.stat().st_size

        load_import = load_average()
        started = time.perf_counter()
        first = backfill_from_jsonl(services, shop, path, credit_points=True)
        import_seconds = time.perf_counter() - started

        with services.db.engine.begin() as connection:  # a second run of a new run row
            connection.execute(delete(BackfillRun).where(BackfillRun.shop_id == shop_id))
        started = time.perf_counter()
        again = backfill_from_jsonl(services, shop, path, credit_points=True)
        again_seconds = time.perf_counter() - started

        load_limit = load_average()
        limit_seconds, limit_rows = plain_bulk_insert(services, path, shop_id)
        with services.db.sessions() as session:
            ledger = session.execute(
                select(func.count(), func.sum(LedgerEntry.points)).where(
                    LedgerEntry.shop_id == shop_id
                )
            ).one()
    per_second = first.orders / import_seconds
    return {
        "benchmark": "4. backfill from JSONL",
        "machine": machine(),
        "file": {
            "orders": args.orders,
            "customers": args.customers,
            "bytes": size,
            "written_in_seconds": round(written, 1),
        },
        "import": {
            "load_average_before": load_import,
            "seconds": round(import_seconds, 1),
            "orders_per_second": round(per_second),
            "orders": first.orders,
            "customers": first.customers,
            "points_rows": first.points_rows,
        },
        "second_import_of_the_same_file": {
            "seconds": round(again_seconds, 1),
            "orders_added": again.orders,
            "customers_added": again.customers,
            "points_rows_added": again.points_rows,
        },
        "ledger": {"rows": ledger[0], "points": int(ledger[1] or 0)},
        "limit_plain_copy_of_the_order_rows": {
            "load_average_before": load_limit,
            "seconds": round(limit_seconds, 1),
            "rows_per_second": round(limit_rows / limit_seconds),
        },
        "share_of_limit": round(per_second / (limit_rows / limit_seconds), 3),
        "targets": {
            "orders_per_second_at_least": TARGET_PER_SECOND,
            "met": per_second >= TARGET_PER_SECOND,
        },
    }


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    return run_script(args, run)


if __name__ == "__main__":
    main()
