"""Benchmark 3: the widget's ``GET /proxy/api/me`` with 100,000 customers and 1,000,000
ledger rows, under gunicorn, requests signed as Shopify's app proxy signs them.

Shoppers are drawn at random among those without a referral code yet (earlier runs on the
dataset made some). A shopper's first ``/me`` makes their code (a write), so the run has
two phases: first visits, then the same shoppers again (what a shopper opening the widget on
every page sees). Both are paced (open loop, latency from the
moment each request was due). It also counts the SQL statements one ``/me`` runs.

    python -m benchmarks.widget_me --database-url postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_big
"""

from __future__ import annotations

import argparse
import random
from typing import Any

from sqlalchemy import event, select

from benchmarks import loadgen
from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    SHOP,
    app_server,
    bench_services,
    free_port,
    load_average,
    machine,
    run_script,
    script_parser,
)
from benchmarks.dataset import Dataset, ensure_dataset
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.demo.proxy_signing import signed_query
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.services import Services
from shopify_loyalty.serving.capacity import DEFAULT_THREADS, default_workers
from shopify_loyalty.settings import load_settings

TARGET_P99_MS = 25.0
# Shoppers whose requests warm the server up before the phases are measured.
WARM_SHOPPERS = 200


def shoppers_without_code(
    services: Services, data: Dataset, count: int, *, skipped: int
) -> list[int]:
    """``count`` distinct shoppers, drawn at random (the same draw each run) among those
    who have no referral code yet, leaving out the first ``skipped`` (the warm-up's)."""
    with services.db.sessions() as session:
        coded = set(
            session.scalars(
                select(Customer.shopify_customer_id)
                .join(ReferralCode, ReferralCode.customer_id == Customer.id)
                .where(Customer.shop_id == data.shop_id)
            )
        )
    numbers = list(range(skipped, data.customers))
    random.Random(3).shuffle(numbers)
    fresh = (data.shopify_customer_id(n) for n in numbers)
    shoppers = [shopper for shopper in fresh if shopper not in coded][:count]
    if len(shoppers) < count:
        raise SystemExit("too few shoppers without a referral code left: make the dataset again")
    return shoppers


def me_requests(secret: str, shopper_ids: list[int]) -> list[loadgen.Prepared]:
    """Signed now: the app accepts a proxy timestamp for 90 seconds."""
    return [
        loadgen.prepare("GET", f"/proxy/api/me?{signed_query(secret, SHOP, shopper)}")
        for shopper in shopper_ids
    ]


def statements_per_request(services: Services, env: dict[str, str], shopper: int) -> int:
    """How many SQL statements one ``/me`` runs (in process, same code and database)."""
    from shopify_loyalty.app import create_app

    app = create_app(load_settings(env), start_worker=False)
    engine = app.extensions["shopify_loyalty"].db.engine
    seen: list[str] = []

    def count(*_args: Any) -> None:
        seen.append("statement")

    client = app.test_client()
    url = f"/proxy/api/me?{signed_query(env['SHOPIFY_API_SECRET'], SHOP, shopper)}"
    client.get(url)  # the first visit writes; count a returning shopper's
    event.listen(engine, "before_cursor_execute", count)
    response = client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    app.extensions["shopify_loyalty"].db.dispose()
    assert response.status_code == 200, response.data
    return len(seen)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with bench_services(args.database_url) as (services, env):
        data = ensure_dataset(services, customers=args.customers, orders=args.orders)
        warm = [data.shopify_customer_id(n) for n in range(min(WARM_SHOPPERS, data.customers // 2))]
        count = min(int(args.rate * args.seconds), data.customers - len(warm))
        shoppers = shoppers_without_code(services, data, count, skipped=len(warm))
        secret = env["SHOPIFY_API_SECRET"]
        statements = statements_per_request(services, env, warm[0])
        port = free_port()
        with app_server(env, port, args.workers, args.threads):
            loadgen.saturate(port, me_requests(secret, warm), connections=8, seconds=10)
            load_first = load_average()
            first = loadgen.paced(
                port, me_requests(secret, shoppers), rate=args.rate, seconds=args.seconds
            )
            load_again = load_average()
            again = loadgen.paced(
                port, me_requests(secret, shoppers), rate=args.rate, seconds=args.seconds
            )
            load_saturated = load_average()
            saturated = loadgen.saturate(
                port, me_requests(secret, shoppers), connections=args.connections, seconds=10
            )
    return {
        "benchmark": "3. widget GET /proxy/api/me",
        "machine": machine(),
        "dataset": {
            "customers": data.customers,
            "ledger_rows": data.orders,
            "orders": data.orders,
            "generated_in_seconds": round(data.seconds, 1),
        },
        "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "sql_statements_per_request": statements,
        f"first_visits_paced_{args.rate:g}_per_s": {"load_average_before": load_first}
        | first.summary(),
        f"returning_paced_{args.rate:g}_per_s": {"load_average_before": load_again}
        | again.summary(),
        "returning_saturated": {"load_average_before": load_saturated} | saturated.summary(),
        "targets": {
            "p99_ms_under": TARGET_P99_MS,
            "p99_met_returning": again.percentile(0.99) < TARGET_P99_MS,
            "p99_met_first_visits": first.percentile(0.99) < TARGET_P99_MS,
        },
    }


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000, help="one ledger row each")
    parser.add_argument("--rate", type=float, default=50.0, help="requests a second, paced")
    parser.add_argument("--seconds", type=float, default=30.0, help="per paced phase (<= 80)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    if args.seconds > 80:
        raise SystemExit("--seconds: at most 80 (a proxy signature is good for 90 seconds)")
    return run_script(args, run)


if __name__ == "__main__":
    main()
