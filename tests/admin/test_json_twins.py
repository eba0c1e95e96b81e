"""Every admin page is reachable as JSON too: customer search and the program terms."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.conftest import API_SECRET, OTHER_SHOP, new_id, sample
from tests.storefront.signing import signed_query


def customer(deliver: Callable[..., requests.Response], first: str, email: str) -> int:
    customer_id = new_id()
    deliver(
        "customers/create",
        sample("customers/create", id=customer_id, first_name=first, email=email),
    )
    return customer_id


def test_customers_are_searched_by_name_email_or_id(
    http: requests.Session,
    admin_headers: dict[str, str],
    deliver: Callable[..., requests.Response],
) -> None:
    lea = customer(deliver, "Lea", "lea.brandt@example.com")
    customer(deliver, "Ben", "ben@example.com")

    def found(query: str) -> list[str]:
        response = http.get("/admin/api/customers", params={"q": query}, headers=admin_headers)
        assert response.status_code == 200, response.text
        return [row["email"] for row in response.json()["customers"]]

    assert found("BRANDT") == ["lea.brandt@example.com"]
    assert found("lea") == ["lea.brandt@example.com"]
    assert found(str(lea)) == ["lea.brandt@example.com"]
    assert found("") == ["ben@example.com", "lea.brandt@example.com"]
    assert found("nobody") == []
    [row] = http.get("/admin/api/customers", params={"q": "lea"}, headers=admin_headers).json()[
        "customers"
    ]
    assert row == {
        "shopify_customer_id": str(lea),
        "email": "lea.brandt@example.com",
        "first_name": "Lea",
        "last_name": "Keller",
        "points_balance": 100,
        "points_pending": 0,
    }
    bad = http.get("/admin/api/customers", params={"limit": "0"}, headers=admin_headers)
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "invalid",
        "message": "limit must be a whole number from 1 to 200",
        "field": "limit",
    }


def test_another_shop_finds_none_of_the_customers(
    http: requests.Session,
    deliver: Callable[..., requests.Response],
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    customer(deliver, "Lea", "lea.brandt@example.com")
    install(OTHER_SHOP)
    theirs = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}
    assert http.get("/admin/api/customers", headers=theirs).json() == {"customers": []}


def test_terms_are_published_in_versions_and_reach_the_widget(
    http: requests.Session,
    admin_headers: dict[str, str],
    shop: str,
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    def publish(text: str, locale: str = "en") -> requests.Response:
        return http.post(
            "/admin/api/terms", json={"locale": locale, "text": text}, headers=admin_headers
        )

    first = publish("Points have no cash value.")
    assert first.status_code == 201
    assert (first.json()["version"], first.json()["locale"]) == (1, "en")
    assert publish("Points have no cash value.").status_code == 200  # same text: same version
    second = publish("Points have no cash value. Codes expire after 90 days.")
    assert second.status_code == 201
    assert second.json()["version"] == 2

    shown = http.get("/admin/api/terms", params={"locale": "en"}, headers=admin_headers).json()
    assert shown["current"]["version"] == 2
    assert [v["version"] for v in shown["history"]] == [2, 1]
    german = http.get("/admin/api/terms", params={"locale": "de"}, headers=admin_headers)
    assert german.json() == {"locale": "de", "current": None, "history": []}

    bad = publish("Punkte", locale="fr")
    assert bad.status_code == 400
    assert bad.json()["field"] == "locale"

    program = http.get(f"/proxy/api/program?{signed_query(API_SECRET, shop, None)}").json()
    assert (program["terms_version"], program["terms_text"]) == (
        2,
        "Points have no cash value. Codes expire after 90 days.",
    )

    install(OTHER_SHOP)
    theirs = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}
    assert http.get("/admin/api/terms", headers=theirs).json()["current"] is None
