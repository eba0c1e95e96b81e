"""``shopify-loyalty backfill --source jsonl FILE``: past orders in bulk, the same points as
their ``orders/paid`` webhooks, idempotent on re-run and against webhooks already applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
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
