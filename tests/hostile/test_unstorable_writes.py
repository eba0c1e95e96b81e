"""Text no database can hold (a NUL character, a lone surrogate) in a form field or a JSON
body of the admin's and the app proxy's writes is refused before the write: 400 naming
the field, never a server error, and nothing changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.admin.signed_in import csrf_of, sign_in
from tests.conftest import SHOP
from tests.live_server import LiveServer
from tests.storefront.conftest import ProxyClient

NUL = "Gift\x00card"
LONE = "Gift\ud800card"
JSON = {"Content-Type": "application/json"}
MESSAGE = "holds a NUL character or a lone surrogate, which cannot be stored"


def refused_naming(response: requests.Response, field: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "invalid", "message": f"{field} {MESSAGE}", "field": field}


def read(http: requests.Session, path: str, headers: dict[str, str]) -> Any:
    response = http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_nul_in_an_admin_form_field_is_refused_naming_it_and_nothing_is_saved(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)
    rewards = read(http, "/admin/api/rewards", admin_headers)
    terms = read(http, "/admin/api/terms", admin_headers)
    new_reward = client.get("/admin/rewards/new").text
    terms_page = client.get("/admin/terms").text

    reward = client.post(
        "/admin/rewards/new",
        data={
            "csrf_token": csrf_of(new_reward),
            "title": NUL,
            "kind": "percentage",
            "value": "15",
            "points_cost": "800",
            "expiry_days": "30",
            "active": "1",
        },
    )
    published = client.post(
        "/admin/terms",
        data={"csrf_token": csrf_of(terms_page), "locale": "en", "text": "Terms\x00"},
    )

    refused_naming(reward, "title")
    refused_naming(published, "text")
    assert read(http, "/admin/api/rewards", admin_headers) == rewards
    assert read(http, "/admin/api/terms", admin_headers) == terms


@pytest.mark.parametrize("text", [NUL, LONE], ids=["NUL", "lone surrogate"])
def test_unstorable_text_in_an_admin_json_body_is_refused_naming_the_field(
    shop: str,
    http: requests.Session,
    admin_headers: dict[str, str],
    member: Callable[[int], int],
    text: str,
) -> None:
    customer = member(100)
    tiers = read(http, "/admin/api/settings/tiers", admin_headers)["settings"]["tiers"]
    renamed = [dict(tiers[0], name=text), *tiers[1:]]
    writes = [
        ("POST", "/admin/api/rewards", {"kind": "free_shipping", "points_cost": 5, "title": text}),
        ("PUT", "/admin/api/settings/widget", {"launcher_label": text}),
        ("PUT", "/admin/api/settings/tiers", {"tiers": renamed}),
        ("POST", f"/admin/api/customers/{customer}/adjustments", {"points": 5, "reason": text}),
    ]
    fields = ["title", "launcher_label", "tiers[0].name", "reason"]
    reads = [
        "/admin/api/rewards",
        "/admin/api/settings/widget",
        "/admin/api/settings/tiers",
        f"/admin/api/customers/{customer}",
    ]
    before = [read(http, path, admin_headers) for path in reads]

    answers = [
        http.request(method, path, data=json.dumps(body), headers=admin_headers | JSON)
        for method, path, body in writes
    ]

    for answer, field in zip(answers, fields, strict=True):
        refused_naming(answer, field)
    assert [read(http, path, admin_headers) for path in reads] == before


def test_unstorable_text_in_a_proxy_write_is_refused_naming_the_field(
    shop: str, http: requests.Session, member: Callable[[int], int]
) -> None:
    proxy = ProxyClient(http, SHOP)
    customer = member(0)
    me = proxy.get("/api/me", customer).json()

    birthday = proxy.post("/api/birthday", customer, {"birthday": "1990-05-17\x00"})
    feedback = proxy.post(
        "/api/feedback",
        customer,
        {"order_id": "1", "satisfaction": "satisfied", "recommendation_score": 7, "comment": NUL},
    )

    refused_naming(birthday, "birthday")
    refused_naming(feedback, "comment")
    assert proxy.get("/api/me", customer).json() == me
