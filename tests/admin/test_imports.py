"""Backfill of past customers and orders (Shopify's bulk operation at the stand-in, or a
CSV file, resumable), points balances imported from another app with a dry run, and the
customers export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from shopify_loyalty.imports import admin_source, backfill
from shopify_loyalty.imports.cli import backfill_command, import_points_command
from shopify_loyalty.imports.models import BackfillRun
from shopify_loyalty.orders.models import Order
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminUserError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.control import StandinControl
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]

POINTS_CSV = (
    "email,balance\n"
    "ANNA@example.com,250\n"
    "bob@example.com,0\n"
    "nobody@example.com,40\n"
    "not-an-email,10\n"
    "anna@example.com,99\n"
    "carl@example.com,abc\n"
)


@pytest.fixture
def members(deliver: Deliver) -> dict[str, int]:
    people = {"anna": new_id(), "bob": new_id()}
    for name, number in people.items():
        deliver(
            "customers/create",
            sample(
                "customers/create", id=number, email=f"{name}@example.com", first_name=name.title()
            ),
        )
    return people


def test_a_dry_run_reports_what_an_import_would_credit_and_changes_nothing(
    members: dict[str, int], http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.post(
        "/admin/api/imports/points?dry_run=1",
        data=POINTS_CSV,
        headers={**admin_headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True
    assert [
        (r["line"], r["outcome"], r["points"], r["balance_before"], r["balance_after"])
        for r in body["rows"]
    ] == [
        (2, "credit", 250, 100, 350),  # 100 for signing up
        (3, "nothing_to_import", 0, 100, 100),
        (4, "unknown_customer", 40, None, None),
        (5, "invalid", None, None, None),
        (6, "duplicate", 99, None, None),
        (7, "invalid", None, None, None),
    ]
    assert body["rows"][0]["shopify_customer_id"] == members["anna"]
    assert body["summary"] == {
        "credit": 1,
        "already_imported": 0,
        "unknown_customer": 1,
        "duplicate": 1,
        "invalid": 2,
        "nothing_to_import": 1,
        "points": 250,
    }
    anna = http.get(f"/admin/api/customers/{members['anna']}", headers=admin_headers).json()
    assert anna["points_balance"] == 100


def test_the_real_import_credits_once_however_often_it_runs(
    members: dict[str, int], http: requests.Session, admin_headers: dict[str, str]
) -> None:
    for attempt in range(2):
        response = http.post(
            "/admin/api/imports/points",
            files={"file": ("points.csv", POINTS_CSV.encode())},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        first = response.json()["rows"][0]
        assert first["outcome"] == ("credit" if attempt == 0 else "already_imported")
    anna = http.get(f"/admin/api/customers/{members['anna']}", headers=admin_headers).json()
    assert anna["points_balance"] == 350
    assert (anna["ledger"][0]["points"], anna["ledger"][0]["reason"]) == (250, "imported_balance")


def test_the_import_command_has_a_dry_run_too(
    members: dict[str, int],
    services: Services,
    shop: str,
    tmp_path: Any,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    path = tmp_path / "points.csv"
    path.write_text(POINTS_CSV)
    runner = CliRunner()
    dry = runner.invoke(
        import_points_command, ["--shop", shop, str(path), "--dry-run"], obj={"services": services}
    )
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-1] == (
        "Would credit 250 points to 1 customers; 1 unknown, 0 imported before, 3 rows refused."
    )
    assert "line 4: nobody@example.com: unknown_customer: no customer with this email" in dry.output
    assert (
        http.get(f"/admin/api/customers/{members['anna']}", headers=admin_headers).json()[
            "points_balance"
        ]
        == 100
    )
    real = runner.invoke(
        import_points_command, ["--shop", shop, str(path)], obj={"services": services}
    )
    assert real.exit_code == 0, real.output
    assert real.output.splitlines()[-1].startswith("Credited 250 points to 1 customers")
    assert (
        http.get(f"/admin/api/customers/{members['anna']}", headers=admin_headers).json()[
            "points_balance"
        ]
        == 350
    )


def test_a_csv_without_the_columns_is_refused_naming_the_column(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.post(
        "/admin/api/imports/points?dry_run=1", data="mail,points\nx,1\n", headers=admin_headers
    )
    assert (response.status_code, response.json()["field"]) == (400, "email")
    response = http.post(
        "/admin/api/imports/points?dry_run=yes", data=POINTS_CSV, headers=admin_headers
    )
    assert (response.status_code, response.json()["field"]) == (400, "dry_run")


def test_backfill_reads_the_shops_history_with_a_bulk_operation(
    shop: str,
    services: Services,
    standin: StandinServer,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    control = StandinControl(standin.url)
    lena, omar = new_id(), new_id()
    orders = [
        # Lena: two paid orders, one cancelled and a test order; Omar: one paid order.
        {
            "id": new_id(),
            "customer": {"id": lena, "email": "lena@example.com", "first_name": "Lena"},
            "subtotal_price": "120.50",
            "total_price": "130.00",
            "processed_at": "2025-06-01T10:00:00Z",
            "created_at": "2025-06-01T09:59:00Z",
        },
        {
            "id": new_id(),
            "customer_id": lena,
            "subtotal_price": "30.00",
            "total_price": "35.00",
            "processed_at": "2025-09-01T10:00:00Z",
        },
        {
            "id": new_id(),
            "customer_id": lena,
            "subtotal_price": "500.00",
            "cancelled_at": "2025-09-02T10:00:00Z",
        },
        {"id": new_id(), "customer_id": lena, "subtotal_price": "70.00", "test": True},
        {
            "id": new_id(),
            "customer": {"id": omar, "email": "omar@example.com"},
            "subtotal_price": "15.99",
            "processed_at": "2025-10-10T10:00:00Z",
        },
    ]
    control.add_orders(shop, orders)
    control.add_customers(shop, [{"id": new_id(), "email": "quiet@example.com"}])

    result = CliRunner().invoke(
        backfill_command, ["--shop", shop, "--credit-points"], obj={"services": services}
    )
    assert result.exit_code == 0, result.output
    # Lena's cancelled and test orders are left out: 120 + 30 for Lena, 15 for Omar.
    assert result.output.splitlines()[-1] == "Done: 3 customers and 3 orders, 165 points credited."
    lena_view = http.get(f"/admin/api/customers/{lena}", headers=admin_headers).json()
    # 120.50 and 30.00 earn 120 + 30, spendable at once: they are older than 14 days.
    assert (lena_view["points_balance"], lena_view["points_pending"]) == (150, 0)
    omar_view = http.get(f"/admin/api/customers/{omar}", headers=admin_headers).json()
    assert omar_view["points_balance"] == 15
    with services.db.sessions() as session:
        paid = session.scalar(select(func.count(Order.id)))
        run = session.scalars(select(BackfillRun)).one()
    assert paid == 3
    # Three customers and five order lines read; the quiet customer has no orders.
    assert (run.status, run.records_done, run.records_total) == ("finished", 8, 8)
    quiet = http.get("/admin/api/segments/prospect/customers", headers=admin_headers).json()
    assert [c["email"] for c in quiet["customers"]] == ["quiet@example.com"]

    again = CliRunner().invoke(
        backfill_command, ["--shop", shop, "--credit-points"], obj={"services": services}
    )
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == "Done: 3 customers and 3 orders, 0 points credited."
    assert (
        http.get(f"/admin/api/customers/{lena}", headers=admin_headers).json()["points_balance"]
        == 150
    )


HISTORY_CSV = (
    "customer_id,email,first_name,last_name,customer_created_at,order_id,order_name,"
    "paid_at,subtotal,total_price,refunded,currency\n"
    "901,pia@example.com,Pia,Ek,2024-01-05T10:00:00Z,7001,#1001,2024-02-01T10:00:00Z,40.00,45.00,,EUR\n"
    "901,pia@example.com,Pia,Ek,,7002,#1002,2024-03-01T10:00:00Z,60.00,65.00,10.00,EUR\n"
    "902,rui@example.com,Rui,,,,,,,,,\n"
    "903,sam@example.com,Sam,,,7003,#1003,2024-04-01T10:00:00Z,25.50,30.00,,EUR\n"
    "903,sam@example.com,Sam,,,7004,#1004,2024-05-01T10:00:00Z,9.99,12.00,,EUR\n"
)


class Interrupted(Exception):
    pass


def test_a_csv_backfill_cut_short_resumes_where_it_stopped(
    tmp_path: Path,
    shop: str,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    monkeypatch.setattr(backfill, "BATCH_SIZE", 2)
    seen: list[tuple[int, int]] = []

    def stop_after_first_batch(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        backfill.backfill_from_csv(
            services, shop, HISTORY_CSV, credit_points=True, progress=stop_after_first_batch
        )
    assert seen == [(0, 5), (2, 5)]
    with services.db.sessions() as session:
        run = session.scalars(select(BackfillRun)).one()
        assert (run.status, run.records_done) == ("running", 2)

    runner = CliRunner()
    path = tmp_path / "history.csv"
    path.write_text(HISTORY_CSV)
    arguments = ["--shop", shop, "--source", "csv", str(path)]
    result = runner.invoke(
        backfill_command, [*arguments, "--credit-points"], obj={"services": services}
    )
    assert result.exit_code == 0, result.output
    assert "Resumed after record 2." in result.output
    # Sam's two orders: 25 + 9 points; Pia's were credited before the interruption.
    assert result.output.splitlines()[-1] == "Done: 3 customers and 4 orders, 34 points credited."
    again = runner.invoke(backfill_command, arguments, obj={"services": services})
    assert again.output.splitlines()[-1] == "This file was imported before; nothing changed."
    pia = http.get("/admin/api/customers/901", headers=admin_headers).json()
    assert pia["points_balance"] == 40 + 50  # 60.00 less 10.00 refunded
    sam = http.get("/admin/api/customers/903", headers=admin_headers).json()
    assert sam["points_balance"] == 34


def test_a_bad_csv_is_refused_naming_its_line_and_column(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    text = HISTORY_CSV.replace("2024-03-01T10:00:00Z", "March 1st")
    response = http.post("/admin/api/imports/backfill", data=text, headers=admin_headers)
    assert response.status_code == 400
    assert response.json()["field"] == "paid_at"
    assert response.json()["message"].startswith("line 3: paid_at must be a date and time")


def test_the_customers_export_has_balances_tiers_and_stages(
    members: dict[str, int],
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    order = sample("orders/paid", id=new_id())
    order["customer"]["id"] = members["bob"]
    order["customer"]["email"] = "bob@example.com"
    order["note_attributes"] = []
    order["discount_codes"] = []
    order["landing_site"] = "/"
    deliver("orders/paid", order)
    response = http.get("/admin/api/exports/customers?format=csv", headers=admin_headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {"anna@example.com", "bob@example.com"}
    bob = by_email["bob@example.com"]
    assert (
        bob["points_balance"],
        bob["points_pending"],
        bob["stamps_collected"],
        bob["tier"],
        bob["lifecycle_stage"],
        bob["rfm_segment"],
        bob["paid_orders"],
        bob["revenue"],
    ) == ("100", "84", "3", "", "first_time_buyer", "new", "1", "84.50")
    anna = by_email["anna@example.com"]
    assert (
        anna["points_balance"],
        anna["stamps_collected"],
        anna["lifecycle_stage"],
        anna["rfm_segment"],
    ) == ("100", "2", "prospect", "")
    body = http.get("/admin/api/exports/customers", headers=admin_headers).json()
    assert len(body["customers"]) == 2


def test_the_stand_in_runs_one_bulk_operation_at_a_time_and_reports_it_until_done(
    shop: str, services: Services, standin: StandinServer
) -> None:
    StandinControl(standin.url).add_customers(shop, [{"id": 4242, "email": "ida@example.com"}])
    client = admin_client(services, shop)
    operation = admin_source.start_bulk_export(client)
    with pytest.raises(AdminUserError) as refused:
        admin_source.start_bulk_export(client)
    assert "already in progress" in str(refused.value)
    current = "{ currentBulkOperation { id status url } }"
    assert client.execute(current)["currentBulkOperation"]["status"] == "RUNNING"
    url = admin_source.wait_for_result(client, operation, sleep=lambda _: None)
    assert url is not None
    [line] = admin_source.download_lines(url)
    record = json.loads(line)
    assert record.pop("createdAt").endswith("Z")
    assert record == {
        "id": "gid://shopify/Customer/4242",
        "email": "ida@example.com",
        "firstName": None,
        "lastName": None,
    }
