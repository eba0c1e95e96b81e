"""Inputs found by fuzzing and schemathesis, kept as plain regression tests: each is refused
with a 4xx naming the field (or not found), never a server error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.conftest import SHOP
from tests.hostile.conftest import bearer, proxy_url

HUGE_ID = "9" * 30


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/admin/api/kpis?from=0001-01-01&to=0001-01-02", "from"),
        ("/admin/api/kpis?from=9999-12-30&to=9999-12-31", "from"),
        ("/admin/api/affiliates/returns?from=0001-01-01&to=0001-01-02", "from"),
        ("/admin/api/affiliates/payouts.csv?until=9999-12-31", "until"),
        ("/admin/api/customers?limit=%C2%B2", "limit"),
        ("/admin/api/customers?limit=" + HUGE_ID, "limit"),
    ],
)
def test_out_of_range_query_values_name_the_field(
    shop: str, http: requests.Session, session_token: Callable[..., str], path: str, field: str
) -> None:
    response = http.get(path, headers=bearer(session_token(shop)))

    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/api/customers/{HUGE_ID}",
        f"/admin/api/rewards/{HUGE_ID}",
        f"/admin/api/affiliates/{HUGE_ID}",
        f"/admin/api/privacy/exports/{HUGE_ID}",
    ],
)
def test_ids_beyond_64_bits_in_a_path_are_not_found(
    shop: str, http: requests.Session, session_token: Callable[..., str], path: str
) -> None:
    response = http.get(path, headers=bearer(session_token(shop)))

    assert response.status_code in (404, 405), response.text


@pytest.mark.parametrize(
    "body",
    [
        b"email,balance\nanna@example.com,5\x00\n",
        b"email,balance\n" + b'"' + b"x" * 200_000 + b'",5\n',
        b"email,balance\nanna@example.com," + b"9" * 5000 + b"\n",
    ],
    ids=["NUL", "a field over the csv limit", "a huge balance"],
)
def test_a_points_import_that_cannot_be_read_is_refused(
    shop: str, http: requests.Session, session_token: Callable[..., str], body: bytes
) -> None:
    response = http.post(
        "/admin/api/imports/points?dry_run=1", data=body, headers=bearer(session_token(shop))
    )

    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert response.json()["summary"]["points"] == 0


@pytest.mark.parametrize(
    ("path", "body", "query", "field"),
    [
        ("/proxy/api/redeem", {"reward_id": "²"}, "", "reward_id"),
        ("/proxy/api/redeem", {"reward_id": HUGE_ID}, "", "reward_id"),
        ("/proxy/api/redeem", {"reward_id": 2**70}, "", "reward_id"),
        ("/proxy/api/feedback", {"order_id": "١٢٣٤"}, "", "order_id"),
        ("/proxy/api/history", None, "limit=%C2%B2", "limit"),
        ("/proxy/api/history", None, "limit=" + HUGE_ID, "limit"),
    ],
)
def test_shopper_input_beyond_plain_numbers_names_the_field(
    shop: str,
    http: requests.Session,
    path: str,
    body: dict[str, Any] | None,
    query: str,
    field: str,
) -> None:
    url = proxy_url(path, SHOP, 7_000_000_000_001, query)
    response = http.post(url, json=body) if body is not None else http.get(url)

    assert response.status_code == 400, response.text
    assert response.json()["field"] == field


def test_a_form_with_a_non_ascii_csrf_token_is_refused(
    shop: str, http: requests.Session, session_token: Callable[..., str]
) -> None:
    response = http.post(
        "/admin/terms",
        data={"locale": "en", "text": "x", "csrf_token": "é" * 64},
        headers=bearer(session_token(shop)),
    )

    assert response.status_code == 403


NUL = "Alpha\x00Beta"
LONE = "Alpha\ud800Beta"


@pytest.mark.parametrize("text", [NUL, LONE], ids=["NUL", "lone surrogate"])
def test_text_a_database_cannot_hold_is_refused_or_cleaned_never_a_server_error(
    shop: str,
    http: requests.Session,
    session_token: Callable[..., str],
    member: Callable[[int], int],
    text: str,
) -> None:
    headers = {**bearer(session_token(shop)), "Content-Type": "application/json"}
    customer = member(0)
    calls = [
        ("POST", "/admin/api/terms", {"locale": "en", "text": text}),
        ("POST", "/admin/api/rewards", {"kind": "free_shipping", "points_cost": 5, "title": text}),
        ("POST", f"/admin/api/customers/{customer}/adjustments", {"points": 5, "reason": text}),
        ("PUT", "/admin/api/settings/widget", {"launcher_label": text}),
        (
            "POST",
            "/admin/api/affiliates",
            {
                "name": text,
                "email": "x@example.com",
                "commission_kind": "percentage",
                "commission_value": "5",
                "payout_method": "paypal",
                "payout_details": text,
            },
        ),
        ("GET", f"/admin/api/customers?q={text}", None),
    ]
    for method, path, body in calls:
        data = json.dumps(body).encode() if body is not None else None
        response = http.request(method, path, data=data, headers=headers)
        assert response.status_code < 500, (path, response.text)
    for path, body in (
        ("/proxy/api/birthday", {"birthday": text}),
        ("/proxy/api/redeem", {"reward_id": text}),
    ):
        response = http.post(
            proxy_url(path, SHOP, customer), data=json.dumps(body), headers=headers
        )
        assert response.status_code < 500, (path, response.text)
