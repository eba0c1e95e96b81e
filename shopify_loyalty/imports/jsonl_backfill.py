"""Backfill from JSONL in bulk: one ``orders/paid`` payload per line, a million at a time.

Each batch of lines is parsed in Python (with the same rules as the ``orders/paid`` webhook:
the subtotal points are earned on, the shop's currency, Shopify's timestamps), copied into a
temporary staging table (``COPY`` on PostgreSQL), and moved from there into ``customers``,
``orders`` and ``ledger_entries`` with three ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
statements. So a re-run, an order already received as a webhook, or a customer already known
changes nothing, and the points rows are those ``credit_order`` writes for the order (same
idempotency key, points, note and pending period) at the program's base rate: past orders get
no tier multiplier, stamps or bonuses, as with the other backfill sources. Test orders and
orders without a customer are recorded and earn nothing.

Each batch commits with the run's checkpoint (``records_done``), so an interrupted import of
the same file resumes after its last committed batch. On PostgreSQL a batch is moved by two
connections side by side, each with the orders of half of its customers; the first half commits
just before the second, which carries the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    bindparam,
    text,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from shopify_loyalty.db import UTCDateTime, utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.imports.backfill import installed_shop, run_of_file
from shopify_loyalty.imports.bulk_insert import insert_rows
from shopify_loyalty.imports.models import FINISHED, BackfillRun
from shopify_loyalty.inbox.context import InvalidPayload
from shopify_loyalty.points.earning import earn_key
from shopify_loyalty.points.rules import PointsConfig, available_from, order_points
from shopify_loyalty.points.sources import ORDER_REASON, Source
from shopify_loyalty.programs.config import load
from shopify_loyalty.services import Services
from webhooks import payloads
from webhooks.orders import order_subtotal, shop_money

JSONL = "jsonl"
BATCH_LINES = 50_000
# On PostgreSQL each batch is moved by two connections side by side: a batch costs the
# server about twice the CPU of parsing it, and most of that goes to the per-row foreign
# key checks, which one connection runs on one core.
PARTS = 2

Progress = Callable[[int, int], None]

STAGING = Table(
    "backfill_staging",
    MetaData(),
    Column("shopify_order_id", BigInteger),
    Column("shopify_customer_id", BigInteger),
    Column("email", String(320)),
    Column("first_name", String(255)),
    Column("last_name", String(255)),
    Column("customer_created_at", UTCDateTime),
    Column("name", String(64)),
    Column("currency", String(3)),
    Column("subtotal", Numeric(14, 2)),
    Column("total_price", Numeric(14, 2)),
    Column("test", Boolean),
    Column("placed_at", UTCDateTime),
    Column("paid_at", UTCDateTime),
    Column("points", Integer),
    Column("idempotency_key", String(191)),
    Column("available_at", UTCDateTime),
    Column("note", Text),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class JsonlResult:
    run_id: int
    resumed_at: int
    lines: int
    orders: int
    customers: int
    points_rows: int
    already_done: bool


def backfill_from_jsonl(
    services: Services,
    shop_domain: str,
    path: Path,
    *,
    credit_points: bool = False,
    batch_lines: int = BATCH_LINES,
    progress: Progress | None = None,
) -> JsonlResult:
    """Import the file's orders (and their customers, and with ``credit_points`` their
    points); returns what was added this time."""
    digest = _digest(path)
    total = _count_lines(path)
    with services.db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        run = run_of_file(session, shop, JSONL, digest, credit_points)
        run.records_total = total
        run_id, start, finished = run.id, run.records_done, run.status == FINISHED
        config = load(session, shop, PointsConfig)
        shop_id, currency = shop.id, shop.currency
    if finished:
        return JsonlResult(run_id, start, total, 0, 0, 0, already_done=True)
    orders = customers = points_rows = 0
    position = start
    now = utcnow()
    parts = PARTS if services.db.engine.dialect.name == "postgresql" else 1
    with (
        path.open(encoding="utf-8") as handle,
        ThreadPoolExecutor(1) as reader,
        ThreadPoolExecutor(parts) as movers,
    ):
        lines = islice(enumerate(handle, start=1), start, None)

        def next_batch() -> tuple[int, list[list[tuple[Any, ...]]]]:
            """The next batch's line count and staging rows in parts (0 at the end of the
            file)."""
            batch = list(islice(lines, batch_lines))
            rows = [
                _staged(number, line, currency, config, now, credit_points)
                for number, line in batch
                if line.strip()
            ]
            return len(batch), _split(rows, parts)

        # The next batch is read while the database moves this one: the statements leave
        # the interpreter free (and a line it refuses still stops the import right after
        # the last batch committed before it).
        coming = reader.submit(next_batch)
        while True:
            count, batch = coming.result()
            if not count:
                break
            coming = reader.submit(next_batch)
            position += count
            added = _commit_batch(services, movers, batch, run_id, position, shop_id, now)
            customers, orders, points_rows = (
                customers + added[0],
                orders + added[1],
                points_rows + added[2],
            )
            if progress is not None:
                progress(position, total)
    with services.db.transaction() as session:
        stored = session.get(BackfillRun, run_id)
        assert stored is not None
        stored.status = FINISHED
        stored.finished_at = utcnow()
    return JsonlResult(run_id, start, total, orders, customers, points_rows, already_done=False)


def _commit_batch(
    services: Services,
    movers: ThreadPoolExecutor,
    parts: list[list[tuple[Any, ...]]],
    run_id: int,
    position: int,
    shop_id: int,
    now: datetime,
) -> tuple[int, int, int]:
    """Move a batch, its customers split between the movers' connections (each its own
    transaction, moved side by side), and commit it with the checkpoint ``position``.

    The parts commit one after the other, each with what it added to the run's counts, and
    the last one with the checkpoint: an import stopped between two commits resumes at the
    same batch, whose parts already committed add nothing again, so the counts stay exact.
    A part that fails rolls back the parts not yet committed.
    """
    with ExitStack() as stack:
        connections = [stack.enter_context(services.db.engine.connect()) for _ in parts]
        for connection in connections:
            connection.begin()
        if len(parts) == 1:
            added = [_move_batch(connections[0], shop_id, parts[0], now)]
        else:
            moves = [
                movers.submit(_move_batch, connection, shop_id, part, now)
                for connection, part in zip(connections, parts, strict=True)
            ]
            wait(moves)  # every connection idle again before any is rolled back or closed
            added = [move.result() for move in moves]
        for number, (connection, (new_customers, new_orders, _)) in enumerate(
            zip(connections, added, strict=True)
        ):
            values: dict[str, Any] = {
                "orders": BackfillRun.orders + new_orders,
                "customers": BackfillRun.customers + new_customers,
                "updated_at": utcnow(),
            }
            if number == len(parts) - 1:
                values["records_done"] = position
            connection.execute(update(BackfillRun).where(BackfillRun.id == run_id).values(values))
            connection.commit()
    return (
        sum(part[0] for part in added),
        sum(part[1] for part in added),
        sum(part[2] for part in added),
    )


def _split(rows: list[tuple[Any, ...]], parts: int) -> list[list[tuple[Any, ...]]]:
    """The rows in ``parts`` parts that share no customer (orders without one in the first)
    and no order, or in one part if an order comes twice with customers of two parts.

    A part inserting a customer, order or points row that another part has inserted waits
    for that part's commit, which waits for every part to be moved: they must not meet.
    """
    if parts == 1:
        return [rows]
    split: list[list[tuple[Any, ...]]] = [[] for _ in range(parts)]
    part_of_order: dict[int, int] = {}
    for row in rows:
        order_id, customer_id = row[0], row[1]
        part = 0 if customer_id is None else customer_id % parts
        if part_of_order.setdefault(order_id, part) != part:
            return [rows]
        split[part].append(row)
    return [part for part in split if part] or [[]]


def _staged(
    number: int,
    line: str,
    currency: str,
    config: PointsConfig,
    now: datetime,
    credit_points: bool,
) -> tuple[Any, ...]:
    """One line as a staging row, read as the ``orders/paid`` webhook reads its payload."""
    try:
        payload = json.loads(line)
        if not isinstance(payload, dict):
            raise InvalidPayload("line", "is not a JSON object")
        order_id = payloads.shopify_id(payload, "id")
        customer = payloads.obj(payload, "customer")
        customer_id = payloads.optional_id(customer, "id") if customer else None
        subtotal = order_subtotal(payload)
        name = payloads.text(payload, "name", 64)
        paid_at = payloads.timestamp(payload, "processed_at") or payloads.timestamp(
            payload, "created_at"
        )
        test = bool(payload.get("test", False))
        total_price = shop_money(payload, "total_price_set", "total_price")
        row_currency = payloads.text(payload, "currency", 3) or currency
    except (InvalidPayload, ValueError) as error:
        raise InvalidInput(f"line {number}: {error}", field="file") from error
    points = 0
    if credit_points and customer_id is not None and not test:
        points = order_points(subtotal, config)
    label = f"order {name}" if name else f"order {order_id}"
    return (
        order_id,
        customer_id,
        payloads.text(customer, "email", 320) if customer else None,
        payloads.text(customer, "first_name") if customer else None,
        payloads.text(customer, "last_name") if customer else None,
        payloads.timestamp(customer, "created_at") if customer else None,
        name,
        row_currency,
        subtotal,
        total_price,
        test,
        payloads.timestamp(payload, "created_at"),
        paid_at,
        points,
        earn_key(order_id),
        available_from(paid_at, now, config.pending_days),
        f"Points for {label}",
    )


def _move_batch(
    connection: Connection, shop_id: int, rows: list[tuple[Any, ...]], now: datetime
) -> tuple[int, int, int]:
    """Stage the rows, then insert what is new; returns (customers, orders, points rows)."""
    STAGING.create(connection)
    insert_rows(connection, STAGING, [column.name for column in STAGING.columns], rows)
    if connection.dialect.name == "postgresql":
        # A temporary table has no statistics: without them the joins below are planned
        # for a handful of rows and take minutes for fifty thousand. The row count and the
        # customer column the joins and the grouping use are all they need.
        connection.exec_driver_sql("ANALYZE backfill_staging (shopify_customer_id)")
    params = {"shop_id": shop_id, "now": now}
    # Customers already known are left out with one anti-join, cheaper than a conflict check
    # each (most of a large file's customers come again); the conflict clause still covers
    # one added meanwhile by a webhook.
    customers = connection.execute(
        text(
            """
            INSERT INTO customers (shop_id, shopify_customer_id, email, first_name, last_name,
                                   shopify_created_at, created_at, updated_at,
                                   accepts_email_marketing)
            SELECT :shop_id, shopify_customer_id, min(email), min(first_name), min(last_name),
                   min(customer_created_at), :now, :now, false
            FROM backfill_staging s
            WHERE shopify_customer_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM customers c
                              WHERE c.shop_id = :shop_id
                                AND c.shopify_customer_id = s.shopify_customer_id)
            GROUP BY shopify_customer_id
            ON CONFLICT (shop_id, shopify_customer_id) DO NOTHING
            """
        ).bindparams(_now()),
        params,
    ).rowcount
    orders = connection.execute(
        text(
            """
            INSERT INTO orders (shop_id, shopify_order_id, customer_id, name, currency,
                                subtotal, total_price, refunded_subtotal, discount_codes,
                                test, placed_at, paid_at, created_at)
            SELECT :shop_id, s.shopify_order_id, c.id, s.name, s.currency, s.subtotal,
                   s.total_price, 0, '', s.test, s.placed_at, s.paid_at, :now
            FROM backfill_staging s
            LEFT JOIN customers c
              ON c.shop_id = :shop_id AND c.shopify_customer_id = s.shopify_customer_id
            WHERE true
            ON CONFLICT (shop_id, shopify_order_id) DO NOTHING
            """
        ).bindparams(_now()),
        params,
    ).rowcount
    points_rows = connection.execute(
        text(
            """
            INSERT INTO ledger_entries (shop_id, customer_id, points, reason, source,
                                        idempotency_key, shopify_order_id, available_at,
                                        note, created_at)
            SELECT :shop_id, c.id, s.points, :reason, :source, s.idempotency_key,
                   s.shopify_order_id, s.available_at, s.note, :now
            FROM backfill_staging s
            JOIN customers c
              ON c.shop_id = :shop_id AND c.shopify_customer_id = s.shopify_customer_id
            WHERE s.points > 0 AND c.redacted_at IS NULL
            ON CONFLICT (shop_id, idempotency_key) DO NOTHING
            """
        ).bindparams(_now()),
        params | {"reason": ORDER_REASON, "source": str(Source.ORDER)},
    ).rowcount
    STAGING.drop(connection)
    return customers, orders, points_rows


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=UTCDateTime())


def _digest(path: Path) -> str:
    """The file's SHA-256: the same file resumes its run; another file is another run."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
