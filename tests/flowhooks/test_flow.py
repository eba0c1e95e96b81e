"""Shopify Flow: the adjust-points action (signed like a webhook, once per action run, with
Flow's error answers), the trigger extensions as the CLI deploys them, and the stand-in's
``flowTriggerReceive`` limits through the real Admin client."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import requests

from shopify_loyalty.flow.triggers import MUTATION, TRIGGERS, FlowTrigger
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminUserError, raise_for_user_errors
from shopify_loyalty.shops.install import admin_client
from tests.conftest import API_SECRET, new_id
from tests.notifications.conftest import Deliver, member_payload

EXTENSIONS = Path(__file__).resolve().parents[2] / "extensions"
ACTION_URL = "/flow/actions/adjust-points"


def flow_run(shop: str, customer_id: int, run_id: str, **properties: Any) -> dict[str, Any]:
    """A Flow action request as Flow sends it."""
    return {
        "shop_id": 60000001,
        "shopify_domain": shop,
        "action_run_id": run_id,
        "action_definition_id": "Adjust loyalty points",
        "handle": "loyalty-adjust-points",
        "properties": {"customer_id": customer_id, **properties},
    }


def post_signed(
    http: requests.Session, body: dict[str, Any], secret: str = API_SECRET
) -> requests.Response:
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    return http.post(
        ACTION_URL,
        data=raw,
        headers={"Content-Type": "application/json", "X-Shopify-Hmac-SHA256": signature},
    )


def balance(http: requests.Session, headers: dict[str, str], customer_id: int) -> int:
    response = http.get(f"/admin/api/customers/{customer_id}", headers=headers)
    assert response.status_code == 200, response.text
    points: int = response.json()["points_balance"]
    return points


def test_the_flow_action_adjusts_points_once_per_run(
    deliver: Deliver, http: requests.Session, admin_headers: dict[str, str], shop: str
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    assert balance(http, admin_headers, customer_id) == 100
    run = flow_run(shop, customer_id, "run-1", points=25, reason="Left a review")

    answers = [post_signed(http, run) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[0].json() == {
        "action_run_id": "run-1",
        "points": 25,
        "balance": 125,
        "pending": 0,
    }
    assert balance(http, admin_headers, customer_id) == 125
    ledger = http.get(f"/admin/api/customers/{customer_id}", headers=admin_headers).json()["ledger"]
    assert [(row["points"], row["reason"]) for row in ledger] == [
        (25, "adjustment"),
        (100, "signup"),
    ]

    # Another run (a string amount, as Flow may send it) is another adjustment.
    removed = post_signed(http, flow_run(shop, customer_id, "run-2", points="-5", reason="Fix"))
    assert removed.status_code == 200, removed.text
    assert balance(http, admin_headers, customer_id) == 120


def test_the_flow_action_refuses_a_bad_hmac_and_changes_nothing(
    deliver: Deliver, http: requests.Session, admin_headers: dict[str, str], shop: str
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    run = flow_run(shop, customer_id, "run-forged", points=1000, reason="Forged")

    forged = post_signed(http, run, secret="not-the-app-secret")
    unsigned = http.post(ACTION_URL, json=run)

    assert forged.status_code == 401
    assert forged.json()["error"] == "invalid_hmac"
    assert unsigned.status_code == 401
    assert balance(http, admin_headers, customer_id) == 100


@pytest.mark.parametrize(
    ("properties", "status", "field", "message"),
    [
        ({"points": 0, "reason": "x"}, 400, "points", "points must be a whole number from"),
        ({"points": 2.5, "reason": "x"}, 400, "points", "points must be a whole number"),
        ({"points": 10, "reason": " "}, 400, "reason", "reason is required"),
        (
            {"points": -500, "reason": "Too much"},
            409,
            "points",
            "500 points are needed but only 100",
        ),
    ],
)
def test_the_flow_action_answers_bad_properties_in_flows_shape(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    shop: str,
    properties: dict[str, Any],
    status: int,
    field: str,
    message: str,
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))

    answer = post_signed(http, flow_run(shop, customer_id, f"run-{field}-{status}", **properties))

    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["field"] == field
    assert body["message"].startswith(message)
    assert body["errors"] == [{"id": field, "message": body["message"]}]
    assert balance(http, admin_headers, customer_id) == 100


def test_the_flow_action_names_a_missing_customer_reference(
    http: requests.Session, shop: str
) -> None:
    run = flow_run(shop, 0, "run-no-customer", points=5, reason="x")
    run["properties"]["customer_id"] = "gid://shopify/Order/12"

    answer = post_signed(http, run)

    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"id": "customer_id", "message": "customer_id must be the id of a Shopify customer"}
    ]


def extension(handle: str) -> dict[str, Any]:
    for path in EXTENSIONS.glob("*/shopify.extension.toml"):
        config = tomllib.loads(path.read_text())
        for entry in config.get("extensions", []):
            if entry["handle"] == handle:
                return {**entry, "settings": config.get("settings", {})}
    raise AssertionError(f"no extension {handle}")


@pytest.mark.parametrize("trigger", list(TRIGGERS.values()), ids=lambda t: t.handle)
def test_each_trigger_is_a_flow_trigger_extension_declaring_its_payload(
    trigger: FlowTrigger,
) -> None:
    config = extension(trigger.handle)
    fields = config["settings"]["fields"]

    assert config["type"] == "flow_trigger"
    assert fields[0] == {"type": "customer_reference"}
    assert [f["key"] for f in fields[1:]] == list(trigger.fields({}))
    assert all(f["description"] for f in fields[1:])


def test_the_adjust_points_action_extension_points_at_the_runtime_url() -> None:
    config = extension("loyalty-adjust-points")

    assert config["type"] == "flow_action"
    assert config["runtime_url"].endswith(ACTION_URL)
    fields = config["settings"]["fields"]
    assert [(f["type"], f.get("key"), f["required"]) for f in fields] == [
        ("customer_reference", None, True),
        ("number_integer", "points", True),
        ("single_line_text_field", "reason", True),
    ]


def test_flow_refuses_unknown_handles_oversized_and_incomplete_payloads(
    services: Services, shop: str
) -> None:
    client = admin_client(services, shop)

    def send(handle: str, payload: dict[str, Any]) -> None:
        raise_for_user_errors(
            client.execute(MUTATION, {"handle": handle, "payload": payload}), "flowTriggerReceive"
        )

    complete = {"customer_id": 1, "Tier": "Gold", "Previous tier": "Silver", "Direction": "up"}
    send("loyalty-tier-changed", complete)
    with pytest.raises(AdminUserError, match="Invalid handle 'loyalty-nothing'"):
        send("loyalty-nothing", complete)
    with pytest.raises(AdminUserError, match="Properties size exceeds the limit of 50000 bytes"):
        send("loyalty-tier-changed", {**complete, "Tier": "x" * 50_000})
    with pytest.raises(AdminUserError, match="Missing required property: Direction"):
        send("loyalty-tier-changed", {k: v for k, v in complete.items() if k != "Direction"})
