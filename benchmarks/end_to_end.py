"""Benchmark 2, end to end: signed ``orders/paid`` deliveries through ``POST /webhooks`` to
the ledger, applied by Celery workers on PostgreSQL and Redis.

Three phases, each on a fresh inbox of one installed shop whose orders come from 100,000
members:

- ``drain``: ``--orders`` deliveries are accepted while no worker runs, then the workers
  start; events applied per second from the first worker's start until the inbox is empty,
  and from the first event applied to the last (the same without the workers' start-up).
- ``live``: deliveries at ``--rate`` per second for ``--seconds`` with the workers running;
  the applied rate and the lag (``processed_at - received_at``) at p50, p99 and max.
- ``soak`` (``--soak-seconds``, 0 skips it): like ``live`` for longer, while one worker is
  killed with SIGKILL twice (at a third and two thirds of the time) and started again; then
  it checks that every delivery was applied once: one ledger row per order and the points
  the orders earn, no more, no less.

Run from the project folder with PostgreSQL and Redis local:

    .venv/bin/python -m benchmarks.end_to_end --orders 5000 --rate 100 --seconds 60 \
        --soak-seconds 600

The database named by ``--database-url`` is emptied first (its ``public`` schema).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import requests
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from benchmarks.common import reset_database, run_script, script_parser
from shopify_loyalty.app import create_app
from shopify_loyalty.inbox.models import DONE, WebhookEvent
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.session_tokens import mint_session_token
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.live_server import LiveServer

API_KEY = "bench-api-key"
API_SECRET = "bench-api-secret-0123456789abcdef"  # noqa: S105  (the stand-in's, local only)
SHOP = "bench-goods.myshopify.com"
SAMPLE = Path(__file__).resolve().parent.parent / "webhooks" / "samples" / "orders_paid.json"
MEMBERS = 100_000
SUBTOTAL = "20.00"
POINTS_PER_ORDER = 20
COMMAND = Path(sys.executable).parent / "shopify-loyalty"


class Order:
    """Realistic ``orders/paid`` payloads: the sample with a fresh id and one of the members."""

    def __init__(self) -> None:
        self.template = json.loads(SAMPLE.read_text())
        self.next_id = 7_000_000_000_000

    def paid(self) -> dict[str, Any]:
        self.next_id += 1
        payload = json.loads(json.dumps(self.template))
        payload["id"] = self.next_id
        payload["customer"]["id"] = 6_000_000_000_000 + random.randrange(MEMBERS)
        payload["customer"]["email"] = f"member{payload['customer']['id']}@example.com"
        payload["subtotal_price"] = payload["current_subtotal_price"] = SUBTOTAL
        payload["subtotal_price_set"] = {
            "shop_money": {"amount": SUBTOTAL, "currency_code": "EUR"},
            "presentment_money": {"amount": SUBTOTAL, "currency_code": "EUR"},
        }
        return payload


class Workers:
    """Celery worker processes (``shopify-loyalty worker``) and one beat."""

    def __init__(self, environ: dict[str, str], count: int, concurrency: int, logs: Path):
        self.environ, self.count, self.concurrency, self.logs = environ, count, concurrency, logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.beat: subprocess.Popen[bytes] | None = None
        self.started = 0

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.logs / f"process-{self.started}.log").open("wb")
        return subprocess.Popen(  # noqa: S603  (our own console script)
            [str(COMMAND), *args],
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> None:
        self.beat = self._spawn("beat")
        for _ in range(self.count):
            self.processes.append(self.start_one())

    def start_one(self) -> subprocess.Popen[bytes]:
        return self._spawn("worker", "--concurrency", str(self.concurrency))

    def kill_and_restart(self, index: int, down_seconds: float) -> None:
        victim = self.processes[index]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        time.sleep(down_seconds)
        self.processes[index] = self.start_one()

    def stop(self) -> None:
        for process in [*self.processes, *([self.beat] if self.beat else [])]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.processes, *([self.beat] if self.beat else [])]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes, self.beat = [], None


@contextmanager
def application(database_url: str, redis_url: str, instance: Path) -> Iterator[dict[str, Any]]:
    """The stand-in shop and the app with REDIS_URL, on loopback ports; the shop installed."""
    standin = StandinServer(API_KEY, API_SECRET)
    standin.start()
    server = LiveServer()
    environ = {
        **os.environ,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "APP_URL": server.url,
        "DATABASE_URL": database_url,
        "LOYALTY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "SHOPIFY_ADMIN_URL": standin.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(instance),
        "REDIS_URL": redis_url,
        "LOYALTY_WORKER": "off",
    }
    app = create_app(load_settings(environ))
    server.start(app)
    requests.patch(
        f"{standin.url}/_standin/shops/{SHOP}", json={"currency_code": "EUR"}, timeout=10
    ).raise_for_status()
    token = mint_session_token(SHOP, API_KEY, API_SECRET)
    answer = requests.get(
        f"{server.url}/admin/api/privacy/exports",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    try:
        yield {"environ": environ, "url": server.url, "services": app.extensions[EXTENSION_KEY]}
    finally:
        server.stop()
        standin.stop()


def deliver(sender: WebhookSender, orders: Order, count: int, threads: int) -> None:
    payloads = [orders.paid() for _ in range(count)]

    def send(payload: dict[str, Any]) -> None:
        response = sender.deliver(SHOP, "orders/paid", payload)
        if response.status_code != 200:
            raise RuntimeError(f"delivery refused: {response.status_code} {response.text}")

    with ThreadPoolExecutor(threads) as pool_:
        list(pool_.map(send, payloads))


def deliver_at_rate(
    sender: WebhookSender, orders: Order, rate: float, seconds: float, stop: threading.Event
) -> int:
    """Deliver ``rate`` per second (in ticks of 0.1 s, 8 sending threads) for ``seconds``."""
    sent = 0
    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool_:
        futures = []
        while not stop.is_set():
            elapsed = time.monotonic() - start
            if elapsed >= seconds:
                break
            due = int(rate * elapsed) - sent
            for _ in range(max(0, due)):
                futures.append(pool_.submit(sender.deliver, SHOP, "orders/paid", orders.paid()))
                sent += 1
            time.sleep(0.05)
        for future in futures:
            if future.result().status_code != 200:
                raise RuntimeError("a delivery was refused")
    return sent


def wait_until_applied(services: Services, total: int, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.db.sessions() as session:
            done = session.scalar(select(func.count()).where(WebhookEvent.status == DONE)) or 0
        if done >= total:
            return time.monotonic()
        time.sleep(0.2)
    raise RuntimeError(f"only {done} of {total} events applied in {timeout:.0f} s")


def applying_seconds(services: Services) -> float:
    """From the first event applied to the last: the drain without the workers' start-up."""
    with services.db.sessions() as session:
        first, last = session.execute(
            select(func.min(WebhookEvent.processed_at), func.max(WebhookEvent.processed_at))
        ).one()
    if first is None or last is None:
        raise RuntimeError("no event was applied")
    return float((last - first).total_seconds())


def lag_figures(services: Services) -> dict[str, Any]:
    with services.db.sessions() as session:
        rows = session.execute(
            select(WebhookEvent.received_at, WebhookEvent.processed_at).where(
                WebhookEvent.status == DONE
            )
        ).all()
    applied = [(received, done) for received, done in rows if done is not None]
    lags = sorted((done - received).total_seconds() * 1000 for received, done in applied)
    first = min(received for received, _ in applied)
    last = max(done for _, done in applied)
    span = (last - first).total_seconds()
    return {
        "events": len(rows),
        "applied_per_second": round(len(rows) / span, 1) if span else None,
        "lag_ms_p50": round(statistics.median(lags), 1),
        "lag_ms_p99": round(lags[min(len(lags) - 1, int(len(lags) * 0.99))], 1),
        "lag_ms_max": round(lags[-1], 1),
    }


def ledger_check(services: Services, deliveries: int) -> dict[str, Any]:
    with services.db.sessions() as session:
        rows, orders, points = session.execute(
            select(
                func.count(),
                func.count(func.distinct(LedgerEntry.shopify_order_id)),
                func.coalesce(func.sum(LedgerEntry.points), 0),
            ).where(LedgerEntry.shopify_order_id.is_not(None))
        ).one()
        statuses = dict(
            session.execute(
                select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)
            ).all()
        )
    return {
        "deliveries": deliveries,
        "events": statuses,
        "ledger_rows": rows,
        "orders_credited": orders,
        "points": int(points),
        "expected_points": deliveries * POINTS_PER_ORDER,
        "nothing_lost_nothing_doubled": rows == orders == deliveries
        and int(points) == deliveries * POINTS_PER_ORDER,
    }


def empty_inbox(services: Services, broker: redis.Redis) -> None:
    broker.flushdb()
    with services.db.transaction() as session:
        for table in ("ledger_entries", "webhook_events", "jobs", "orders"):
            session.execute(text(f"DELETE FROM {table}"))  # noqa: S608


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOYALTY_BENCH_DATABASE_URL",
            "postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_e2e",
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOYALTY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--soak-seconds", type=float, default=0.0)
    parser.add_argument("--soak-rate", type=float, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    return parser


def run(args: argparse.Namespace) -> dict[str, Any]:
    reset_database(args.database_url)
    broker = redis.Redis.from_url(args.redis_url)
    results: dict[str, Any] = {
        "machine": f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workers": f"{args.workers} x concurrency {args.concurrency}",
    }
    with (
        tempfile.TemporaryDirectory() as folder,
        application(args.database_url, args.redis_url, Path(folder) / "instance") as running,
    ):
        services: Services = running["services"]
        sender = WebhookSender(running["url"], API_SECRET)
        orders = Order()
        logs = Path(folder)

        # 1. drain: a backlog applied by workers started after it arrived.
        empty_inbox(services, broker)
        deliver(sender, orders, args.orders, threads=8)
        workers = Workers(running["environ"], args.workers, args.concurrency, logs)
        started = time.monotonic()
        workers.start()
        finished = wait_until_applied(services, args.orders, timeout=3600)
        applying = applying_seconds(services)
        results["drain"] = {
            "orders": args.orders,
            "seconds": round(finished - started, 1),
            "applied_per_second": round(args.orders / (finished - started), 1),
            "note": "from the workers' launch: their start-up included",
            "until_first_applied_seconds": round(finished - started - applying, 1),
            "applying_seconds": round(applying, 3),
            "applied_per_second_once_started": (
                round(args.orders / applying, 1) if applying > 0 else None
            ),
            **{"ledger": ledger_check(services, args.orders)},
        }
        print(json.dumps({"drain": results["drain"]}), flush=True)

        # 2. live: a steady stream while the workers run.
        empty_inbox(services, broker)
        time.sleep(2)
        sent = deliver_at_rate(sender, orders, args.rate, args.seconds, threading.Event())
        wait_until_applied(services, sent, timeout=600)
        results["live"] = {
            "rate": args.rate,
            "seconds": args.seconds,
            **lag_figures(services),
            "ledger": ledger_check(services, sent),
        }
        print(json.dumps({"live": results["live"]}), flush=True)

        # 3. soak: the stream for longer, one worker killed twice.
        if args.soak_seconds > 0:
            empty_inbox(services, broker)
            rate = args.soak_rate or args.rate
            stop = threading.Event()
            kills: list[float] = []

            def kill_twice() -> None:
                for fraction in (1 / 3, 2 / 3):
                    if stop.wait(args.soak_seconds * fraction - (kills[-1] if kills else 0)):
                        return
                    kills.append(args.soak_seconds * fraction)
                    workers.kill_and_restart(0, down_seconds=5.0)
                    print(f"killed worker 0 at {kills[-1]:.0f} s", flush=True)

            killer = threading.Thread(target=kill_twice, daemon=True)
            killer.start()
            soak_start = time.monotonic()
            sent = deliver_at_rate(sender, orders, rate, args.soak_seconds, stop)
            stop.set()
            killer.join()
            # Events a killed worker held come back when their lease (120 s) runs out.
            drained = wait_until_applied(services, sent, timeout=900)
            results["soak"] = {
                "rate": rate,
                "seconds": args.soak_seconds,
                "kills": len(kills),
                "drained_seconds_after_last_delivery": round(
                    drained - soak_start - args.soak_seconds, 1
                ),
                **lag_figures(services),
                "ledger": ledger_check(services, sent),
            }
            print(json.dumps({"soak": results["soak"]}), flush=True)
        workers.stop()
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return run_script(parser().parse_args(argv), run)


if __name__ == "__main__":
    main()
