"""RFM segments and lifecycle stages over the known history (tests/admin/history.py) plus
Gina (orders 100.00 at T-20, T-15, T-12, T-8) and Hugo (20.00 at T-400 and T-250), and
their sync to Shopify as customer tags."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
import requests

from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.control import StandinControl
from tests.admin.conftest import get_json
from tests.admin.history import History, day, paid_order
from tests.conftest import new_id

Deliver = Callable[..., requests.Response]


@pytest.fixture
def people(history: History, deliver: Deliver) -> dict[str, int]:
    gina, hugo = new_id(), new_id()
    for days_ago in (20, 15, 12, 8):
        deliver(
            "orders/paid",
            paid_order(new_id(), gina, "100.00", day(history.today, days_ago), "Gina Hale"),
        )
    for days_ago in (400, 250):
        deliver(
            "orders/paid",
            paid_order(new_id(), hugo, "20.00", day(history.today, days_ago), "Hugo Ives"),
        )
    return {
        "anna": history.anna,
        "ben": history.ben,
        "cleo": history.cleo,
        "dan": history.dan,
        "eve": history.eve,
        "finn": history.finn,
        "gina": gina,
        "hugo": hugo,
    }


def test_each_segment_has_its_size_and_revenue(
    people: dict[str, int], http: requests.Session, admin_headers: dict[str, str]
) -> None:
    body = get_json(http, "/admin/api/segments", admin_headers)
    sizes = {s["name"]: (s["kind"], s["size"], s["revenue"]) for s in body["segments"]}
    # Revenues ranked: Cleo 1.30, Finn 25, Hugo 40, Ben 50, Anna 130, Dan 300, Gina 400 give
    # monetary scores 1, 2, 3, 3, 4, 5, 5 (5 x rank / 7, rounded up).
    assert sizes == {
        "champions": ("rfm", 1, "400.00"),  # Gina: R5 F4 M5
        "loyal": ("rfm", 3, "156.30"),  # Anna, Finn, Cleo: lately, more than once
        "new": ("rfm", 1, "300.00"),  # Dan: one order, 7 days ago
        "at_risk": ("rfm", 1, "40.00"),  # Hugo: twice, last 250 days ago
        "hibernating": ("rfm", 1, "50.00"),  # Ben: once, 380 days ago
        "prospect": ("lifecycle", 1, "0.00"),  # Eve: her order was cancelled
        "first_time_buyer": ("lifecycle", 2, "350.00"),
        "repeat_buyer": ("lifecycle", 4, "196.30"),
        "regular": ("lifecycle", 1, "400.00"),
        "recommender": ("lifecycle", 0, "0.00"),
        "fan": ("lifecycle", 0, "0.00"),
    }
    assert body["segments"][0]["tag"] == "loyalty-segment:champions"


def test_a_segments_customers_come_with_their_scores_as_json_and_csv(
    people: dict[str, int], http: requests.Session, admin_headers: dict[str, str]
) -> None:
    body = get_json(http, "/admin/api/segments/loyal/customers", admin_headers)
    assert [
        (
            c["shopify_customer_id"],
            c["paid_orders"],
            c["revenue"],
            c["recency"],
            c["frequency"],
            c["monetary"],
            c["lifecycle_stage"],
        )
        for c in body["customers"]
    ] == [
        (people["anna"], 3, "130.00", 5, 3, 4, "repeat_buyer"),
        (people["finn"], 2, "25.00", 5, 2, 2, "repeat_buyer"),
        (people["cleo"], 2, "1.30", 5, 2, 1, "repeat_buyer"),
    ]
    assert body["customers"][0]["name"] == "Anna Berg"
    response = http.get("/admin/api/segments/at_risk/customers?format=csv", headers=admin_headers)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:5] == ["shopify_customer_id", "name", "email", "paid_orders", "revenue"]
    assert [row[0] for row in rows[1:]] == [str(people["hugo"])]
    assert rows[1][3:5] == ["2", "40.00"]
    assert rows[1][6:] == ["2", "2", "3", "at_risk", "repeat_buyer"]
    response = http.get("/admin/api/segments?format=csv", headers=admin_headers)
    assert response.text.splitlines()[:2] == [
        "name,kind,tag,size,revenue",
        "champions,rfm,loyalty-segment:champions,1,400.00",
    ]


def test_an_unknown_segment_is_404_and_another_shop_sees_none_of_these(
    people: dict[str, int],
    http: requests.Session,
    admin_headers: dict[str, str],
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    response = http.get("/admin/api/segments/whales/customers", headers=admin_headers)
    assert (response.status_code, response.json()["field"]) == (404, "segment")
    install("rival-goods.myshopify.com")
    other = {"Authorization": f"Bearer {session_token('rival-goods.myshopify.com')}"}
    body = get_json(http, "/admin/api/segments", other)
    assert {s["size"] for s in body["segments"]} == {0}
    assert get_json(http, "/admin/api/segments/loyal/customers", other)["customers"] == []


def test_syncing_writes_segment_tags_at_shopify_and_removes_stale_ones(
    people: dict[str, int],
    http: requests.Session,
    admin_headers: dict[str, str],
    standin: StandinServer,
    settle: Callable[..., None],
    shop: str,
) -> None:
    control = StandinControl(standin.url)
    seeded: list[dict[str, Any]] = [
        {"id": number} for name, number in people.items() if name != "dan"
    ]
    seeded[people_index(people, "ben")]["tags"] = ["vip", "loyalty-segment:champions"]
    control.add_customers(shop, seeded)  # Dan has been deleted at Shopify since

    def tags() -> dict[str, list[str]]:
        customers = control.shop(shop)["customers"]
        by_gid = {c["id"]: c["tags"] for c in customers}
        return {
            name: by_gid[f"gid://shopify/Customer/{number}"]
            for name, number in people.items()
            if name != "dan"
        }

    for _ in range(2):  # a second run changes nothing
        response = http.post("/admin/api/segments/sync", json={}, headers=admin_headers)
        assert response.status_code == 202, response.text
        assert len(response.json()["queued"]) == 11
        settle()
        assert tags() == {
            "anna": ["loyalty-segment:loyal", "loyalty-segment:repeat_buyer"],
            "ben": ["loyalty-segment:first_time_buyer", "loyalty-segment:hibernating", "vip"],
            "cleo": ["loyalty-segment:loyal", "loyalty-segment:repeat_buyer"],
            "eve": ["loyalty-segment:prospect"],
            "finn": ["loyalty-segment:loyal", "loyalty-segment:repeat_buyer"],
            "gina": ["loyalty-segment:champions", "loyalty-segment:regular"],
            "hugo": ["loyalty-segment:at_risk", "loyalty-segment:repeat_buyer"],
        }


def test_a_sync_of_an_unknown_segment_is_refused(
    shop: str, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.post(
        "/admin/api/segments/sync", json={"segments": ["whales"]}, headers=admin_headers
    )
    assert (response.status_code, response.json()["field"]) == (400, "segments")


def people_index(people: dict[str, int], name: str) -> int:
    return [n for n in people if n != "dan"].index(name)
