"""Benchmark 5: every KPI of ``GET /admin/api/kpis`` for a year of 1,000,000 orders.

Times ``kpi_report`` (what the route returns) over the dataset's 365 days, in process, on
a fresh session each run, and counts its SQL statements. The limit beside it: one pass over
the same year's orders that only counts and sums them (no report can read less).

    python -m benchmarks.insights --database-url postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_big
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from sqlalchemy import event, func, select

from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    bench_services,
    load_average,
    machine,
    run_script,
    script_parser,
)
from benchmarks.dataset import ensure_dataset
from shopify_loyalty.insights.periods import Period
from shopify_loyalty.insights.report import kpi_report
from shopify_loyalty.orders.models import Order
from shopify_loyalty.shops.models import Shop

TARGET_SECONDS = 1.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    with bench_services(args.database_url) as (services, _env):
        data = ensure_dataset(services, customers=args.customers, orders=args.orders)
        period = Period(data.start.date(), (data.end.date()))
        statements: list[str] = []

        def count(*_args: Any) -> None:
            statements.append("statement")

        report_seconds: list[float] = []
        limit_seconds: list[float] = []
        loads: list[str] = []
        report: dict[str, Any] = {}
        for number in range(args.runs):
            loads.append(load_average())
            with services.db.sessions() as session:
                shop = session.get_one(Shop, data.shop_id)
                if number == 0:
                    event.listen(services.db.engine, "before_cursor_execute", count)
                started = time.perf_counter()
                report = kpi_report(session, shop, period)
                report_seconds.append(time.perf_counter() - started)
                if number == 0:
                    event.remove(services.db.engine, "before_cursor_execute", count)
                started = time.perf_counter()
                session.execute(
                    select(func.count(), func.sum(Order.subtotal)).where(
                        Order.shop_id == shop.id,
                        Order.paid_at >= period.start,
                        Order.paid_at < period.end,
                    )
                ).one()
                limit_seconds.append(time.perf_counter() - started)
    median = statistics.median(report_seconds)
    return {
        "benchmark": "5. insights: all KPIs for a year",
        "machine": machine(),
        "dataset": {"customers": data.customers, "orders": data.orders},
        "period": {"from": period.first.isoformat(), "to": period.last.isoformat()},
        "orders_counted": report["customers"]["orders"],
        "sql_statements": len(statements),
        "kpi_report_seconds": [round(s, 3) for s in report_seconds],
        "kpi_report_median_seconds": round(median, 3),
        "limit_one_pass_over_orders_seconds": [round(s, 3) for s in limit_seconds],
        "load_average_before_each_run": loads,
        "targets": {"seconds_under": TARGET_SECONDS, "met": median < TARGET_SECONDS},
    }


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    return run_script(args, run)


if __name__ == "__main__":
    main()
