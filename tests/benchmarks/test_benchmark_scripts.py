"""Each benchmark script runs end to end at a tiny size, so none of them can rot.

Speed targets live in the benchmarks themselves (benchmarks/RESULTS.md), never here: these
only prove that every script measures what it says and that what it measured is right.
"""

from __future__ import annotations

import pytest

from benchmarks import apply_profile, backfill, end_to_end, insights, webhook_ingest, widget_me
from tests.fresh_interpreter import run_python


def test_the_ingest_benchmark_acknowledges_and_stores_every_delivery(
    bench_database_url: str,
) -> None:
    result = webhook_ingest.main(
        ["--database-url", bench_database_url, "--seconds", "2", "--paced-seconds", "1"]
        + ["--rate", "20", "--max-requests", "500", "--workers", "1", "--threads", "2"]
    )
    limit, app = result["limit_bare_hmac_endpoint"], result["app_post_webhooks"]
    for figures in (limit, app):
        assert figures["saturated"]["errors"] == 0
        assert set(figures["saturated"]["statuses"]) == {200}
        assert figures["paced_20_per_s"]["statuses"] == {200: 20}
    warm_up = 200
    assert result["stored_events"] == warm_up + result["acknowledged_200"]


def test_the_widget_benchmark_answers_every_shopper_in_few_statements(
    bench_database_url: str,
) -> None:
    result = widget_me.main(
        ["--database-url", bench_database_url, "--customers", "40", "--orders", "200"]
        + ["--rate", "10", "--seconds", "1", "--workers", "1", "--threads", "2"]
    )
    assert result["dataset"] == {
        "customers": 40,
        "ledger_rows": 200,
        "orders": 200,
        "generated_in_seconds": result["dataset"]["generated_in_seconds"],
    }
    assert result["first_visits_paced_10_per_s"]["statuses"] == {200: 10}
    assert result["returning_paced_10_per_s"]["statuses"] == {200: 10}
    # A fixed number per request, whatever the history (22 on SQLite, with its BEGIN).
    assert result["sql_statements_per_request"] <= 24


def test_the_backfill_benchmark_imports_once_and_credits_every_order(
    bench_database_url: str,
) -> None:
    result = backfill.main(
        ["--database-url", bench_database_url, "--orders", "300", "--customers", "30"]
    )
    assert result["import"] | {"seconds": 0, "orders_per_second": 0, "load_average_before": ""} == {
        "seconds": 0,
        "orders_per_second": 0,
        "load_average_before": "",
        "orders": 300,
        "customers": 30,
        "points_rows": 300,
    }
    again = result["second_import_of_the_same_file"]
    assert (again["orders_added"], again["customers_added"], again["points_rows_added"]) == (
        0,
        0,
        0,
    )
    assert result["ledger"]["rows"] == 300


def test_the_insights_benchmark_counts_every_order_of_the_year(bench_database_url: str) -> None:
    result = insights.main(
        [
            "--database-url",
            bench_database_url,
            "--customers",
            "20",
            "--orders",
            "100",
            "--runs",
            "1",
        ]
    )
    assert result["orders_counted"] == 100
    # A fixed number whatever the number of orders (no statement per customer or order);
    # other areas add their own figures to the report, so the bound leaves them room.
    assert result["sql_statements"] <= 30


def test_the_dataset_command_of_the_readme_makes_the_dataset(bench_database_url: str) -> None:
    finished = run_python(
        *("-m", "benchmarks.dataset", "--database-url", bench_database_url),
        *("--customers", "30", "--orders", "120"),
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("30 customers, 120 orders in ")


def test_the_apply_benchmark_counts_statements_and_credits_every_order_once(
    bench_database_url: str,
) -> None:
    result = apply_profile.main(
        ["--database-url", bench_database_url, "--orders", "6", "--warm-up", "2"]
        + ["--orders-per-customer", "2"]
    )
    assert result["every_order_credited_once"] is True
    assert result["ledger"] == {"applied": 8, "ledger_rows": 8, "points": 160}
    assert result["statements_per_event"] > 0


def test_the_apply_benchmark_sends_messages_naming_several_events(
    bench_database_url: str,
) -> None:
    result = apply_profile.main(
        ["--database-url", bench_database_url, "--orders", "6", "--warm-up", "2"]
        + ["--events-per-message", "4"]
    )
    assert result["events_per_message"] == 4
    assert result["every_order_credited_once"] is True
    assert result["ledger"] == {"applied": 8, "ledger_rows": 8, "points": 160}


def test_the_end_to_end_benchmark_applies_every_order_once(bench_database_url: str) -> None:
    if not bench_database_url.startswith("postgresql"):
        pytest.skip("the Celery workers of the end-to-end benchmark run on PostgreSQL")
    result = end_to_end.main(
        ["--database-url", bench_database_url, "--redis-url", "redis://127.0.0.1:6379/8"]
        + ["--orders", "30", "--rate", "10", "--seconds", "2"]
        + ["--workers", "1", "--concurrency", "2"]
    )
    assert result["drain"]["orders"] == 30
    # A backlog this small may be applied within a millisecond.
    assert 0 <= result["drain"]["applying_seconds"] <= result["drain"]["seconds"]
    assert result["drain"]["ledger"]["nothing_lost_nothing_doubled"]
    assert result["live"]["ledger"]["nothing_lost_nothing_doubled"]
    assert result["live"]["ledger"]["deliveries"] == result["live"]["events"]
