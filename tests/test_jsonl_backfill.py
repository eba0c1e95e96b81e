"""``shopify-loyalty backfill --source jsonl FILE``: past orders in bulk, the same points as
their ``orders/paid`` webhooks, idempotent on re-run and against webhooks already applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from psycopg.errors import DataError
from sqlalchemy import delete, select

from shopify_loyalty.cli import main
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.imports.jsonl_backfill import backfill_from_jsonl
from shopify_loyalty.imports.models import BackfillRun
from shopify_loyalty.orders.models import Order
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from tests.conftest import sample
from tests.test_operations import use_app_settings


def ledger(services: Services) -> list[tuple[int, str, str, int | None, str | None, str]]:
    with services.db.sessions() as session:
        return [
            (
                e.points,
                e.reason,
                e.idempotency_key,
                e.shopify_order_id,
                e.note,
                e.available_at.isoformat(),
            )
            for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.shopify_order_id))
        ]


def write_lines(path: Path, payloads: list[dict]) -> Path:
    path.write_text("".join(json.dumps(payload) + "\n" for payload in payloads))
    return path


def backfill(path: Path, shop: str) -> str:
    result = CliRunner().invoke(
        main, ["backfill", "--shop", shop, "--source", "jsonl", str(path), "--credit-points"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_jsonl_backfill_writes_the_ledger_the_webhooks_would_have(
    shop: str, sender, settle, services: Services, monkeypatch, tmp_path: Path
) -> None:
    first = sample("orders/paid", id=5832104771901, name="#2001", subtotal_price="84.50")
    second = sample("orders/paid", id=5832104771902, name="#2002", subtotal_price="19.99")
    for payload in (first, second):
        payload.pop("current_subtotal_price_set", None)
        payload.pop("subtotal_price_set", None)
        sender.deliver(shop, "orders/paid", payload)
    settle()
    by_webhooks = ledger(services)
    with services.db.transaction() as session:
        for table in (LedgerEntry, Order):
            session.execute(delete(table))
    use_app_settings(services, monkeypatch)
    test_order = sample("orders/paid", id=5832104771903, name="#2003", test=True)
    path = write_lines(tmp_path / "orders.jsonl", [first, second, test_order])

    output = backfill(path, shop)

    assert "3 lines; 3 new orders, 0 new customers, 2 points credits" in output
    by_backfill = ledger(services)
    assert [row[:5] for row in by_backfill] == [row[:5] for row in by_webhooks]
    assert [row[:5] for row in by_backfill] == [
        (84, "order", "order:5832104771901:earn", 5832104771901, "Points for order #2001"),
        (19, "order", "order:5832104771902:earn", 5832104771902, "Points for order #2002"),
    ]
    with services.db.sessions() as session:
        [customer] = session.scalars(select(Customer))
        orders = session.scalars(select(Order).order_by(Order.shopify_order_id)).all()
    assert [(o.customer_id, str(o.subtotal), o.test) for o in orders] == [
        (customer.id, "84.50", False),
        (customer.id, "19.99", False),
        (customer.id, str(orders[2].subtotal), True),
    ]


def test_running_it_again_or_after_the_webhooks_changes_nothing(
    shop: str, sender, settle, services: Services, monkeypatch, tmp_path: Path
) -> None:
    paid = sample("orders/paid", id=5832104771911, name="#2011")
    sender.deliver(shop, "orders/paid", paid)
    settle()
    use_app_settings(services, monkeypatch)
    later = sample("orders/paid", id=5832104771912, name="#2012")
    path = write_lines(tmp_path / "orders.jsonl", [paid, later])

    assert "1 new orders, 0 new customers, 1 points credits" in backfill(path, shop)
    rows = ledger(services)
    assert "imported before; nothing changed" in backfill(path, shop)
    copy = write_lines(tmp_path / "copy.jsonl", [later, paid])  # another file, same orders
    assert "0 new orders, 0 new customers, 0 points credits" in backfill(copy, shop)
    assert ledger(services) == rows
    assert len(rows) == 2


def test_a_line_that_is_not_an_order_is_refused_with_its_number(
    shop: str, services: Services, monkeypatch, tmp_path: Path
) -> None:
    use_app_settings(services, monkeypatch)
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(sample("orders/paid")) + "\n" + '{"id": "x"}\n')
    result = CliRunner().invoke(main, ["backfill", "--shop", shop, "--source", "jsonl", str(path)])
    assert result.exit_code == 1
    assert "line 2: id:" in result.output


def test_a_refused_line_stops_the_import_after_the_batches_before_it_and_a_rerun_resumes(
    shop: str, services: Services, tmp_path: Path
) -> None:
    # Batches of two: the third is read while the second is moved, and refused.
    orders = [sample("orders/paid", id=9_100_000 + n, name=f"#B{n}") for n in range(5)]
    path = write_lines(tmp_path / "orders.jsonl", orders)
    with path.open("a") as handle:
        handle.write('{"id": "x"}\n')

    with pytest.raises(InvalidInput, match="line 6: id:"):
        backfill_from_jsonl(services, shop, path, batch_lines=2)

    def stored() -> list[int]:
        with services.db.sessions() as session:
            return list(session.scalars(select(Order.shopify_order_id).order_by(Order.id)))

    assert stored() == [9_100_000, 9_100_001, 9_100_002, 9_100_003]
    with services.db.sessions() as session:
        run = session.scalars(select(BackfillRun)).one()
        assert run.records_done == 4  # the checkpoint of the last batch committed

    # The same file again resumes at line 5 and stops at the same line.
    with pytest.raises(InvalidInput, match="line 6: id:"):
        backfill_from_jsonl(services, shop, path, batch_lines=2)
    assert stored() == [9_100_000, 9_100_001, 9_100_002, 9_100_003]


def past_order(number: int, customer: int | None, subtotal: str = "10.00") -> dict:
    payload = sample(
        "orders/paid",
        id=9_200_000 + number,
        name=f"#C{number}",
        subtotal_price=subtotal,
        total_price=subtotal,
    )
    payload.pop("current_subtotal_price_set", None)
    payload.pop("subtotal_price_set", None)
    payload.pop("total_price_set", None)
    if customer is None:
        payload.pop("customer", None)
    else:
        payload["customer"] = {"id": 7_400_000 + customer, "email": f"c{customer}@example.com"}
    return payload


def test_orders_of_many_customers_each_get_their_customer_and_points_once(
    shop: str, services: Services, tmp_path: Path
) -> None:
    # Customers with odd and even ids, some again in later batches, an order without one.
    customers = [1, 2, 3, 4, 1, 2, 5, None, 3, 6, 4, 5]
    orders = [past_order(n, customer) for n, customer in enumerate(customers)]
    path = write_lines(tmp_path / "orders.jsonl", orders)

    result = backfill_from_jsonl(services, shop, path, credit_points=True, batch_lines=4)

    assert (result.orders, result.customers, result.points_rows) == (12, 6, 11)
    with services.db.sessions() as session:
        by_id: dict[int | None, int | None] = {
            c.id: c.shopify_customer_id for c in session.scalars(select(Customer))
        }
        stored = [
            (o.shopify_order_id, by_id.get(o.customer_id))
            for o in session.scalars(select(Order).order_by(Order.shopify_order_id))
        ]
        credits = [
            (e.shopify_order_id, by_id[e.customer_id], e.points)
            for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.shopify_order_id))
        ]
        run = session.scalars(select(BackfillRun)).one()
        assert (run.records_done, run.orders, run.customers) == (12, 12, 6)
    expected = [
        (9_200_000 + n, None if c is None else 7_400_000 + c) for n, c in enumerate(customers)
    ]
    assert stored == expected
    assert credits == [(n, customer, 10) for n, customer in expected if customer is not None]


def test_a_batch_the_database_refuses_adds_none_of_its_orders_and_keeps_the_checkpoint(
    shop: str, services: Services, tmp_path: Path
) -> None:
    if services.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores any integer in an integer column")
    # The second batch's customers are moved side by side; one of them earns more points
    # than the ledger's integer column holds.
    orders = [past_order(n, n) for n in range(4)]
    orders += [past_order(4, 4), past_order(5, 5, subtotal="5000000000.00"), past_order(6, 6)]
    path = write_lines(tmp_path / "orders.jsonl", orders)

    with pytest.raises(DataError):
        backfill_from_jsonl(services, shop, path, credit_points=True, batch_lines=4)

    with services.db.sessions() as session:
        stored = session.scalars(select(Order.shopify_order_id)).all()
        known = session.scalars(select(Customer.shopify_customer_id)).all()
        points = session.scalars(select(LedgerEntry.idempotency_key)).all()
        run = session.scalars(select(BackfillRun)).one()
        assert (run.records_done, run.orders, run.customers) == (4, 4, 4)
    assert sorted(stored) == [9_200_000 + n for n in range(4)]
    assert sorted(known) == [7_400_000 + n for n in range(4)]
    assert sorted(points) == [f"order:{9_200_000 + n}:earn" for n in range(4)]


def test_an_order_that_comes_twice_with_two_customers_is_stored_once_with_the_first(
    shop: str, services: Services, tmp_path: Path
) -> None:
    # Customers 1 and 2 would be moved side by side; the order they share keeps the batch
    # on one connection, where the first line wins as for any order that comes again.
    orders = [past_order(0, 1), past_order(1, 2), past_order(0, 2), past_order(2, 1)]
    path = write_lines(tmp_path / "orders.jsonl", orders)

    result = backfill_from_jsonl(services, shop, path, credit_points=True)

    assert (result.orders, result.customers, result.points_rows) == (3, 2, 3)
    with services.db.sessions() as session:
        by_id = {c.id: c.shopify_customer_id for c in session.scalars(select(Customer))}
        stored = [
            (o.shopify_order_id, by_id[o.customer_id] if o.customer_id else None)
            for o in session.scalars(select(Order).order_by(Order.shopify_order_id))
        ]
        credits = [
            (e.idempotency_key, by_id[e.customer_id])
            for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.idempotency_key))
        ]
    assert stored == [(9_200_000, 7_400_001), (9_200_001, 7_400_002), (9_200_002, 7_400_001)]
    assert credits == [
        ("order:9200000:earn", 7_400_001),
        ("order:9200001:earn", 7_400_002),
        ("order:9200002:earn", 7_400_001),
    ]
