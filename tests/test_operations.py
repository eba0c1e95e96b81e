"""What an operator sees: health, and the events commands."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from shopify_loyalty.cli import main
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from tests.conftest import sample


def use_app_settings(services: Services, monkeypatch) -> None:
    settings = services.settings
    for name, value in {
        "SHOPIFY_API_KEY": settings.api_key,
        "SHOPIFY_API_SECRET": settings.api_secret,
        "DATABASE_URL": settings.database_url,
        "LOYALTY_ENCRYPTION_KEY": ",".join(settings.encryption_keys),
        "SHOPIFY_ADMIN_URL": settings.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(settings.instance_path),
    }.items():
        monkeypatch.setenv(name, value)


def test_health_reports_database_and_worker(http) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["degraded"]) == ("ok", [])
    assert body["database"] == {"status": "ok"}
    assert (body["worker"]["status"], body["worker"]["in_process"]) == ("ok", "running")
    backlog = body["backlog"]
    assert (backlog["events_pending"], backlog["events_failed"]) == (0, 0)
    assert (backlog["jobs_pending"], backlog["jobs_failed"]) == (0, 0)
    assert body["admin_api"] == {"status": "ok", "window_minutes": 15, "shops": {}}
    assert "broker" not in body  # no REDIS_URL


def test_events_list_shows_a_failed_event_with_its_error(
    shop: str, sender, settle, services: Services, monkeypatch
) -> None:
    sender.deliver(shop, "orders/paid", sample("orders/paid", subtotal_price="lots"))
    settle()
    use_app_settings(services, monkeypatch)
    result = CliRunner().invoke(main, ["events", "list", "--json"])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.output.splitlines()]
    assert row["status"] == "failed"
    assert row["topic"] == "orders/paid"
    assert row["error"] == "invalid payload: subtotal_price: must be an amount"


def test_replaying_an_applied_event_changes_nothing(
    shop: str, sender, settle, services: Services, monkeypatch
) -> None:
    event_id = sender.deliver(shop, "orders/paid", sample("orders/paid")).json()["event"]
    settle()
    use_app_settings(services, monkeypatch)
    result = CliRunner().invoke(main, ["events", "replay", str(event_id)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"event {event_id}: done"
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    missing = CliRunner().invoke(main, ["events", "replay", "999999"])
    assert missing.exit_code == 1
    assert "no event 999999" in missing.output
