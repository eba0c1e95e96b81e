"""The Admin API answering 429, 500 or too slowly: calls are retried with backoff, the
ledger is never half-written, work that gives up is recorded with its reason and shown to
the merchant, and ``/healthz`` names the shop whose calls have been failing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.jobs import queue
from shopify_loyalty.jobs.history import WHAT_IT_DOES
from shopify_loyalty.jobs.registry import load_job_modules
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.services import Services
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.control import StandinControl
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import API_SECRET, new_id, sample
from tests.live_server import LiveServer


@pytest.fixture
def control(standin: StandinServer) -> StandinControl:
    return StandinControl(standin.url)


@pytest.fixture
def headers(session_token: Callable[..., str], shop: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(shop)}"}


@pytest.fixture
def member(
    shop: str,
    live: LiveServer,
    standin: StandinServer,
    http: requests.Session,
    headers: dict[str, str],
    settle: Callable[..., None],
) -> int:
    """A member known at Shopify too, holding 600 points to spend."""
    customer_id = new_id()
    shopify = WebhookSender(live.url, API_SECRET, standin_url=standin.url)
    joined = sample(
        "customers/create",
        id=customer_id,
        admin_graphql_api_id=f"gid://shopify/Customer/{customer_id}",
        email=f"shopper-{customer_id}@example.com",
    )
    assert shopify.deliver(shop, "customers/create", joined).status_code == 200
    settle()
    page = http.get(f"/admin/api/customers/{customer_id}", headers=headers).json()
    top_up = http.post(
        f"/admin/api/customers/{customer_id}/adjustments",
        json={"points": 600 - page["points_balance"], "reason": "Welcome gift"},
        headers=headers,
    )
    assert top_up.status_code == 201, top_up.text
    return customer_id


def cheapest_reward(http: requests.Session, headers: dict[str, str]) -> dict[str, Any]:
    rewards = http.get("/admin/api/rewards", headers=headers).json()["rewards"]
    return min(rewards, key=lambda reward: reward["points_cost"])


def ledger(services: Services) -> list[tuple[int, str]]:
    with services.db.sessions() as session:
        return [
            (entry.points, entry.reason)
            for entry in session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.reason.like("redemption%"))
                .order_by(LedgerEntry.id)
            )
        ]


def discount_codes(control: StandinControl, shop: str) -> list[str]:
    return [discount["code"] for discount in control.shop(shop)["discounts"]]


def test_a_redemption_rides_out_a_429_and_a_500_and_spends_the_points_once(
    shop: str,
    member: int,
    http: requests.Session,
    headers: dict[str, str],
    control: StandinControl,
    services: Services,
) -> None:
    reward = cheapest_reward(http, headers)
    control.queue_fault(shop, status=429)
    control.queue_fault(shop, status=500)

    response = http.post(
        f"/admin/api/customers/{member}/redemptions",
        json={"reward_id": reward["id"]},
        headers=headers,
    )

    assert response.status_code == 201, response.text
    code = response.json()["code"]
    assert discount_codes(control, shop) == [code]
    assert ledger(services) == [(-reward["points_cost"], "redemption")]
    health = http.get("/healthz").json()["admin_api"]
    assert health["status"] == "degraded"
    assert health["shops"][shop]["failures"] == 2
    assert health["shops"][shop]["last_kind"] == "server"


def test_a_redemption_whose_code_never_comes_back_in_time_gives_the_points_back(
    shop: str,
    member: int,
    headers: dict[str, str],
    control: StandinControl,
    services: Services,
    other_app: Callable[..., LiveServer],
) -> None:
    # A web process whose Admin calls time out after 0.3 s; Shopify takes 1 s each time.
    app = other_app(LOYALTY_WORKER="off", SHOPIFY_ADMIN_TIMEOUT_SECONDS="0.3")
    client = app.client()
    reward = cheapest_reward(client, headers)
    control.queue_fault(shop, delay_seconds=1.0, count=3)

    response = client.post(
        f"/admin/api/customers/{member}/redemptions",
        json={"reward_id": reward["id"]},
        headers=headers,
    )

    assert response.status_code == 502
    assert response.json()["error"] == "shopify_unavailable"
    cost = reward["points_cost"]
    assert ledger(services) == [(-cost, "redemption"), (cost, "redemption_failed")]
    page = client.get(f"/admin/api/customers/{member}", headers=headers).json()
    assert page["points_balance"] == 600
    with services.db.sessions() as session:
        [issued] = session.scalars(select(IssuedCode)).all()
    assert issued.status == "failed"
    health = client.get("/healthz").json()["admin_api"]["shops"][shop]
    assert (health["failures"], health["last_kind"]) == (3, "timeout")


def test_work_that_shopify_refuses_for_good_is_failed_with_the_reason_and_shown_to_the_merchant(
    shop: str,
    http: requests.Session,
    headers: dict[str, str],
    control: StandinControl,
    settle: Callable[..., None],
    session_token: Callable[..., str],
) -> None:
    pia = http.post(
        "/admin/api/affiliates",
        headers=headers,
        json={
            "name": "Pia Partner",
            "email": "pia@partners.example",
            "commission_kind": "percentage",
            "commission_value": "10",
            "payout_method": "paypal",
            "payout_details": "pia@partners.example",
        },
    ).json()
    settle()
    # The app's access to discounts was taken away: retrying cannot help.
    control.queue_fault(shop, graphql_error="ACCESS_DENIED")
    made = http.post(
        f"/admin/api/affiliates/{pia['id']}/codes",
        headers=headers,
        json={"code": "PIA10", "discount_kind": "percentage", "discount_value": "10"},
    )
    assert made.status_code == 201, made.text
    settle()

    failed = http.get("/admin/api/jobs", headers=headers)
    assert failed.status_code == 200
    [job] = failed.json()["jobs"]
    assert (job["kind"], job["status"], job["attempts"]) == ("affiliates.sync_code", "failed", 1)
    assert job["description"] == "Create or update an affiliate code at Shopify"
    assert job["reason"] == "AdminApiError: GraphQL errors: Access denied"
    assert job["finished_at"] is not None
    assert http.get("/admin/api/jobs?status=sleeping", headers=headers).json() == {
        "error": "invalid",
        "message": "status must be one of failed, pending, running, done",
        "field": "status",
    }
    assert http.get("/healthz").json()["backlog"]["jobs_failed"] == 1

    dashboard = http.get("/admin", headers={"Authorization": f"Bearer {session_token(shop)}"})
    assert dashboard.status_code == 200, dashboard.text[:300]
    assert "Work that gave up" in dashboard.text
    assert "GraphQL errors: Access denied" in dashboard.text


def test_every_kind_of_background_work_is_described_in_the_shop_owners_words() -> None:
    load_job_modules()
    kinds = {kind for kind in queue._HANDLERS if not kind.startswith("tests.")}
    assert kinds - set(WHAT_IT_DOES) == set()
