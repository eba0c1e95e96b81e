"""Benchmark 1: signed ``orders/paid`` deliveries acknowledged by ``POST /webhooks`` under
gunicorn, against a bare Flask endpoint on the same gunicorn setup that only checks the HMAC
(the limit).

Each server is measured twice: saturated (as many deliveries a second as it acknowledges,
closed loop over kept-alive connections) and paced at ``--rate`` deliveries a second (open
loop, latency from the moment each delivery was due). The app runs with
``LOYALTY_WORKER=off``: this measures ingest, not applying (benchmark 2 does that).

    python -m benchmarks.webhook_ingest --database-url postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from benchmarks import loadgen
from benchmarks.common import (
    DEFAULT_DATABASE_URL,
    ROOT,
    SHOP,
    app_server,
    bench_services,
    empty_tables,
    ensure_shop,
    free_port,
    load_average,
    machine,
    run_script,
    script_parser,
    server,
)
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.serving.capacity import DEFAULT_THREADS, default_workers
from shopify_loyalty.shopify.signatures import webhook_signature

TARGET_SHARE_OF_LIMIT = 0.5
TARGET_P99_MS = 50.0


def deliveries(secret: str, count: int, first_order_id: int) -> list[loadgen.Prepared]:
    """``count`` distinct signed ``orders/paid`` deliveries (own order, event and webhook id)."""
    sample: dict[str, Any] = json.loads((ROOT / "webhooks/samples/orders_paid.json").read_text())
    prepared = []
    now = datetime.now(UTC).isoformat()
    for number in range(count):
        order_id = first_order_id + number
        body = json.dumps(
            sample | {"id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}"}
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/paid",
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Hmac-Sha256": webhook_signature(body, secret),
            "X-Shopify-Webhook-Id": str(uuid.uuid4()),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-API-Version": "2026-04",
            "X-Shopify-Triggered-At": now,
        }
        prepared.append(loadgen.prepare("POST", "/webhooks", body, headers))
    return prepared


def measure(
    port: int, requests: list[loadgen.Prepared], args: argparse.Namespace
) -> dict[str, Any]:
    half = len(requests) // 2
    load_before = load_average()
    # Warm every process and its connection pool before the clock counts.
    loadgen.saturate(port, requests[:200], connections=args.connections, seconds=5)
    saturated = loadgen.saturate(
        port, requests[200:half], connections=args.connections, seconds=args.seconds
    )
    paced = loadgen.paced(port, requests[half:], rate=args.rate, seconds=args.paced_seconds)
    return {
        "load_average_before": load_before,
        "saturated": saturated.summary(),
        f"paced_{args.rate:g}_per_s": paced.summary(),
        "load_average_after": load_average(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    per_server = args.max_requests
    with bench_services(args.database_url) as (services, env):
        empty_tables(services, "webhook_events")
        ensure_shop(services)
        secret = env["SHOPIFY_API_SECRET"]
        bare_port, app_port = free_port(), free_port()
        bare_command = [
            sys.executable,
            "-m",
            "benchmarks.bare_webhook_app",
            "--port",
            str(bare_port),
        ]
        bare_command += ["--workers", str(args.workers), "--threads", str(args.threads)]
        with server(bare_command, env, bare_port):
            limit = measure(bare_port, deliveries(secret, per_server, 1_000_000), args)
        with app_server(env, app_port, args.workers, args.threads):
            app = measure(app_port, deliveries(secret, per_server, 10_000_000), args)
        with services.db.sessions() as session:
            stored = session.scalar(select(func.count()).select_from(WebhookEvent))
    acknowledged_2xx = app["saturated"]["statuses"].get(200, 0) + app[f"paced_{args.rate:g}_per_s"][
        "statuses"
    ].get(200, 0)
    share = app["saturated"]["per_second"] / limit["saturated"]["per_second"]
    paced_p99 = app[f"paced_{args.rate:g}_per_s"]["p99_ms"]
    return {
        "benchmark": "1. webhook ingest under gunicorn",
        "machine": machine(),
        "database": services.db.engine.url.render_as_string(hide_password=True),
        "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "limit_bare_hmac_endpoint": limit,
        "app_post_webhooks": app,
        "stored_events": stored,
        "acknowledged_200": acknowledged_2xx,
        "share_of_limit": round(share, 3),
        "targets": {
            "share_of_limit_at_least": TARGET_SHARE_OF_LIMIT,
            "share_of_limit_met": share >= TARGET_SHARE_OF_LIMIT,
            "p99_ms_at_rate_under": TARGET_P99_MS,
            "p99_met": paced_p99 < TARGET_P99_MS,
        },
    }


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--seconds", type=float, default=20.0, help="saturated phase, at most")
    parser.add_argument("--paced-seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries a second when paced")
    parser.add_argument("--max-requests", type=int, default=40_000, help="per server, at most")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    return run_script(args, run)


if __name__ == "__main__":
    main()
