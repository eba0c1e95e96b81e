"""What applying one ``orders/paid`` costs the workers: SQL statements, CPU and events/s.

Signed ``orders/paid`` deliveries for ``--orders`` distinct members are stored through
``POST /webhooks`` (the app in process, no worker running), then applied in this process by
the worker code the Celery tasks run. By default one message per event id, as
``loyalty.apply_event`` (the sweeper's messages, and a delivery stored alone): a message
whose event is due applies it and the paid orders waiting beside it, up to
``--batch-size`` in one transaction (``--batch-size 1``: one event per transaction); one
whose event such a batch took costs its claim. ``--events-per-message N`` sends the ids in
messages of ``N``, as ``loyalty.apply_events`` (what a web process sends for the
deliveries it stored together): an event an earlier batch of the same message applied
costs nothing. The warm-up orders are stored and applied before the measured ones are
stored. Figures per applied event:

- ``statements``: SQL statements sent (a ``before_cursor_execute`` listener);
- ``cpu_ms``: this process's CPU (``time.process_time``) plus the CPU the PostgreSQL
  backends serving it used (``/proc/<pid>/stat``), which on a shared machine says more than
  the wall clock;
- ``events_per_second``: wall clock, for what it is worth on a shared machine.

``--profile FILE`` keeps a cProfile of the applying phase, ``--statement-log FILE`` every
statement sent while applying, in order (with the event it belonged to).

    python -m benchmarks.apply_profile --database-url postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_e2e

The database is emptied first (its ``public`` schema) and migrated.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, text

from benchmarks.common import (
    bench_environment,
    machine,
    reset_database,
    run_script,
    script_parser,
)
from shopify_loyalty.app import create_app
from shopify_loyalty.inbox.batches import BATCH_SIZE
from shopify_loyalty.inbox.models import DONE, WebhookEvent
from shopify_loyalty.inbox.worker import InboxWorker
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.shops.models import INSTALLED, Shop
from shopify_loyalty.standin.webhook_sender import encode_payload, sign_webhook_body

SHOP = "bench-apply.myshopify.com"
SAMPLE = Path(__file__).resolve().parent.parent / "webhooks" / "samples" / "orders_paid.json"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_e2e"
SUBTOTAL = "20.00"
POINTS_PER_ORDER = 20
FIRST_ORDER = 7_000_000_000_000
FIRST_CUSTOMER = 6_000_000_000_000


def paid_payload(template: dict[str, Any], number: int, per_customer: int = 1) -> dict[str, Any]:
    """The sample order with its own id, from member ``number // per_customer``."""
    payload: dict[str, Any] = json.loads(json.dumps(template))
    member = number // per_customer
    payload["id"] = FIRST_ORDER + number
    payload["customer"]["id"] = FIRST_CUSTOMER + member
    payload["customer"]["email"] = f"member{member}@example.com"
    payload["subtotal_price"] = payload["current_subtotal_price"] = SUBTOTAL
    payload["subtotal_price_set"] = {
        "shop_money": {"amount": SUBTOTAL, "currency_code": "EUR"},
        "presentment_money": {"amount": SUBTOTAL, "currency_code": "EUR"},
    }
    payload.pop("current_subtotal_price_set", None)
    return payload


def install_shop(services: Services) -> None:
    with services.db.transaction() as session:
        session.add(
            Shop(
                domain=SHOP,
                install_method="custom_app",
                status=INSTALLED,
                currency="EUR",
                access_token_encrypted=services.cipher.encrypt("shpat_bench"),
            )
        )


def deliver(app: Any, secret: str, count: int, per_customer: int = 1, first: int = 0) -> list[int]:
    """Store ``count`` signed deliveries (orders ``first`` onwards) through
    ``POST /webhooks``; their event ids."""
    template = json.loads(SAMPLE.read_text())
    client = app.test_client()
    services: Services = app.extensions[EXTENSION_KEY]
    with services.db.sessions() as session:
        stored_before = session.scalar(
            select(text("coalesce(max(id), 0)")).select_from(WebhookEvent)
        )
    for number in range(first, first + count):
        body = encode_payload(paid_payload(template, number, per_customer))
        response = client.post(
            "/webhooks",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/paid",
                "X-Shopify-Shop-Domain": SHOP,
                "X-Shopify-API-Version": "2026-04",
                "X-Shopify-Webhook-Id": f"bench-webhook-{number}",
                "X-Shopify-Event-Id": f"bench-event-{number}",
                "X-Shopify-Hmac-Sha256": sign_webhook_body(body, secret),
            },
        )
        if response.status_code != 200:
            raise RuntimeError(f"delivery refused: {response.status_code} {response.data!r}")
    with services.db.sessions() as session:
        return list(
            session.scalars(
                select(WebhookEvent.id)
                .where(WebhookEvent.id > stored_before)
                .order_by(WebhookEvent.id)
            )
        )


class PostgresCpu:
    """CPU seconds used so far by the PostgreSQL backends serving this database."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.enabled = services.db.engine.dialect.name == "postgresql"

    def _backends(self) -> list[int]:
        with self.services.db.engine.connect() as connection:
            return list(
                connection.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND backend_type = 'client backend'"
                    )
                )
            )

    def snapshot(self) -> dict[int, float]:
        if not self.enabled:
            return {}
        ticks = os.sysconf("SC_CLK_TCK")
        used: dict[int, float] = {}
        for pid in self._backends():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] = (int(fields[11]) + int(fields[12])) / ticks
        return used

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def apply_events(worker: InboxWorker, event_ids: list[int], per_message: int = 1) -> None:
    """What the Celery tasks do with messages naming ``per_message`` of these ids each:
    claim each event still due (and the paid orders waiting beside it), then apply them."""
    for message in messages_of(event_ids, per_message):
        if len(message) == 1:
            worker.apply_one(message[0])
        else:
            worker.apply_each(message)


def messages_of(event_ids: list[int], per_message: int) -> list[list[int]]:
    return [event_ids[at : at + per_message] for at in range(0, len(event_ids), per_message)]


def ledger_check(services: Services) -> dict[str, Any]:
    with services.db.sessions() as session:
        done = session.scalar(
            select(text("count(*)")).select_from(WebhookEvent).where(WebhookEvent.status == DONE)
        )
        points = session.scalar(select(text("coalesce(sum(points), 0)")).select_from(LedgerEntry))
        rows = session.scalar(select(text("count(*)")).select_from(LedgerEntry))
    return {"applied": done, "ledger_rows": rows, "points": int(points or 0)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    reset_database(args.database_url)
    env = bench_environment(args.database_url, Path(args.instance))
    app = create_app(load_settings(env), start_worker=False)
    services: Services = app.extensions[EXTENSION_KEY]
    install_shop(services)
    secret, per_customer = env["SHOPIFY_API_SECRET"], args.orders_per_customer
    worker = InboxWorker(services, batch_size=args.batch_size)
    # Warm up: the first events compile statements and fill caches.
    per_message = args.events_per_message
    apply_events(worker, deliver(app, secret, args.warm_up, per_customer), per_message)
    measured = deliver(app, secret, args.orders, per_customer, first=args.warm_up)

    statements: list[str] = []
    log: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    postgres = PostgresCpu(services)
    engine = services.db.engine
    pg_before = postgres.snapshot()
    event.listen(engine, "before_cursor_execute", count)
    profile = cProfile.Profile() if args.profile else None
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    if profile is not None:
        profile.enable()
    if args.statement_log:
        for message in messages_of(measured, per_message):
            before = len(statements)
            apply_events(worker, message, per_message)
            named = ", ".join(str(event_id) for event_id in message)
            log.append(f"-- message for events {named}: {len(statements) - before} statements")
            log.extend(statements[before:])
    else:
        apply_events(worker, measured, per_message)
    if profile is not None:
        profile.disable()
    cpu = time.process_time() - cpu_start
    wall = time.perf_counter() - wall_start
    event.remove(engine, "before_cursor_execute", count)
    pg_cpu = postgres.spent(pg_before, postgres.snapshot())
    if profile is not None:
        profile.dump_stats(args.profile)
    if args.statement_log:
        Path(args.statement_log).write_text("\n".join(log) + "\n")
    check = ledger_check(services)
    services.db.dispose()
    applied = len(measured)
    return {
        "benchmark": "applying orders/paid in process (the worker's code)",
        "machine": machine(),
        "orders": applied,
        "orders_per_customer": args.orders_per_customer,
        "batch_size": args.batch_size,
        "events_per_message": per_message,
        "statements_per_event": round(len(statements) / applied, 2),
        "python_cpu_ms_per_event": round(cpu * 1000 / applied, 2),
        "postgres_cpu_ms_per_event": round(pg_cpu * 1000 / applied, 2),
        "cpu_ms_per_event": round((cpu + pg_cpu) * 1000 / applied, 2),
        "events_per_second": round(applied / wall, 1),
        "ledger": check,
        "every_order_credited_once": check["applied"] == applied + args.warm_up
        and check["ledger_rows"] == applied + args.warm_up
        and check["points"] == (applied + args.warm_up) * POINTS_PER_ORDER,
    }


def parser() -> argparse.ArgumentParser:
    parser = script_parser(__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--orders", type=int, default=1000, help="applied and measured")
    parser.add_argument("--warm-up", type=int, default=50, help="applied before measuring")
    parser.add_argument(
        "--orders-per-customer", type=int, default=1, help="1: every order from a new member"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help="paid orders applied in one transaction (1: each in its own)",
    )
    parser.add_argument(
        "--events-per-message",
        type=int,
        default=1,
        help="event ids a message names (1: loyalty.apply_event; more: loyalty.apply_events)",
    )
    parser.add_argument("--profile", help="write a cProfile of the applying phase here")
    parser.add_argument("--statement-log", help="write every statement sent, per event")
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import tempfile

    args = parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
        args.instance = folder
        return run_script(args, run)


if __name__ == "__main__":
    main()
