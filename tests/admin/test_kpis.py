"""GET /admin/api/kpis over a shop with a known history (tests/admin/history.py), each
figure against its value worked out by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import event, select

from shopify_loyalty.insights.orders import customer_figures
from shopify_loyalty.insights.periods import Period
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.admin.conftest import get_json
from tests.admin.history import History, day, paid_order
from tests.conftest import new_id

OTHER_SHOP = "rival-goods.myshopify.com"


def kpis_path(history: History, extra: str = "") -> str:
    return f"/admin/api/kpis?from={history.first}&to={history.today}{extra}"


def test_customer_figures_match_the_hand_computed_history(
    history: History, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    report = get_json(http, kpis_path(history), admin_headers)
    assert (report["from"], report["to"]) == (str(history.first), str(history.today))
    assert report["customers"] == {
        # Anna, Ben (T-380), Cleo, Finn bought in the year before T-29.
        "customers_at_start": 4,
        # Anna, Cleo, Dan, Finn bought in the year to today; Ben has lapsed.
        "customers_at_end": 4,
        "new_customers": 1,  # Dan
        "retention_rate": "75.00",  # (4 - 1) / 4
        "churn_rate": "25.00",
        # Anna 60 + 30, Cleo 0.80, Dan 300, Finn 20 - 5: Eve's orders were cancelled or a
        # test, the guest's cannot be followed.
        "active_customers": 4,
        "orders": 5,
        "revenue": "405.80",
        "repeat_customers": 1,
        "repeat_purchase_rate": "25.00",
        "purchase_frequency": "1.25",
        "average_order_value": "81.16",
        "average_revenue_per_customer": "101.45",
        "average_lifespan_periods": "4.00",  # 100 / 25
        "customer_lifetime_value": "405.80",  # 81.16 x 1.25 x 4
    }
    assert report["members"] == {
        "members": {
            "customers": 3,  # Anna, Dan, Finn
            "orders": 4,
            "spend": "405.00",
            "order_frequency": "1.33",
            "average_order_value": "101.25",
            "spend_per_customer": "135.00",
        },
        "non_members": {
            "customers": 1,  # Cleo earned no points
            "orders": 1,
            "spend": "0.80",
            "order_frequency": "1.00",
            "average_order_value": "0.80",
            "spend_per_customer": "0.80",
        },
    }


def test_program_figures_match_the_hand_computed_history(
    history: History, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    report = get_json(http, kpis_path(history), admin_headers)
    assert report["satisfaction"] == {
        "responses": 3,
        "levels": [
            {"level": "not_satisfied", "responses": 1, "share": "33.33"},
            {"level": "somewhat_satisfied", "responses": 0, "share": "0.00"},
            {"level": "satisfied", "responses": 1, "share": "33.33"},
            {"level": "very_satisfied", "responses": 1, "share": "33.33"},
            {"level": "extremely_satisfied", "responses": 0, "share": "0.00"},
        ],
        "net_promoter_score": "33.33",  # (2 promoters - 1 detractor) / 3
    }
    assert report["points"] == {
        # Anna 100 + 40 + 60 + 30 + 400 + 25, Ben 50, Dan 300 + 100 + 25, Eve 25,
        # Finn 10 + 20 + 25: every row was written today, inside the period.
        "issued": 1210,
        "taken_back": 50,  # Anna 20 by hand, Eve's cancellation 25, Finn's refund 5
        "redeemed": 500,
        "expired": 0,
        "outstanding": 660,
        "point_value": "0.0100",  # 5.00 off for 500 points
        "point_value_reward": "5.00 EUR off",
        "outstanding_liability": "6.60",
        "redemption_rate": "41.32",  # 500 / 1210
    }
    # Anna's and Finn's second qualifying orders filled their cards (2 + 2 of 4).
    assert report["stamps"] == {"cards_completed": 2}
    assert report["tiers"] == {
        "distribution": [
            {"tier": "Silver", "customers": 1},
            {"tier": "Gold", "customers": 0},
        ],
        "upgrades": 1,
        "downgrades": 0,
        "movement": [{"from_tier": None, "to_tier": "Silver", "moves": 1, "direction": "upgrade"}],
    }
    assert set(report["definitions"]) >= {
        "retention_rate",
        "churn_rate",
        "customer_lifetime_value",
        "members",
        "net_promoter_score",
        "outstanding_liability",
        "point_value",
        "tier_movement",
    }
    assert report["definitions"]["retention_rate"] == (
        "((customers at end - new customers in the period) / customers at start) x 100."
    )


def test_a_period_before_the_program_shows_what_was_bought_then(
    history: History, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    first = history.today.replace(year=history.today.year - 2)
    report = get_json(http, f"/admin/api/kpis?from={first}&to={history.first}", admin_headers)
    # Only Anna's, Ben's, Cleo's first and Finn's first orders fall before T-29... and the
    # points, surveys and tier moves of today do not.
    assert report["customers"]["orders"] == 4
    assert report["customers"]["revenue"] == "100.50"
    assert report["customers"]["new_customers"] == 4
    assert report["customers"]["retention_rate"] is None
    assert report["points"]["issued"] == 0
    assert report["satisfaction"]["net_promoter_score"] is None
    assert report["tiers"]["distribution"][0] == {"tier": "Silver", "customers": 0}


def test_every_table_exports_as_csv(
    history: History, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.get(kpis_path(history, "&format=csv"), headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["kpi", "value", "definition"]
    assert rows[4][:2] == ["retention_rate", "75.00"]
    tables = {
        "members": [
            "group",
            "customers",
            "orders",
            "spend",
            "order_frequency",
            "average_order_value",
            "spend_per_customer",
        ],
        "satisfaction": ["level", "responses", "share"],
        "points": ["figure", "value", "definition"],
        "tier_distribution": ["tier", "customers"],
        "tier_movement": ["from_tier", "to_tier", "moves", "direction"],
    }
    for name, header in tables.items():
        response = http.get(kpis_path(history, f"&format=csv&table={name}"), headers=admin_headers)
        assert response.status_code == 200, name
        assert next(csv.reader(io.StringIO(response.text))) == header
    members = list(
        csv.reader(
            io.StringIO(
                http.get(
                    kpis_path(history, "&format=csv&table=members"), headers=admin_headers
                ).text
            )
        )
    )
    assert members[1] == ["members", "3", "4", "405.00", "1.33", "101.25", "135.00"]


def test_affiliate_revenue_commission_and_return_are_reported(
    shop: str,
    deliver: Callable[..., requests.Response],
    settle: Callable[..., None],
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    body = {
        "name": "Lena Partner",
        "email": "lena@partners.example",
        "commission_kind": "percentage",
        "commission_value": "10",
    }
    response = http.post("/admin/api/affiliates", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    code = {"code": "LENA10", "discount_kind": "percentage", "discount_value": "10"}
    response = http.post(
        f"/admin/api/affiliates/{response.json()['id']}/codes", json=code, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    settle()
    today = datetime.now(UTC).date()
    for subtotal in ("200.00", "50.00"):
        payload = paid_order(new_id(), new_id(), subtotal, day(today, 1), "Mia Lind")
        payload["discount_codes"] = [{"code": "LENA10", "amount": "5.00", "type": "percentage"}]
        deliver("orders/paid", payload)
    path = f"/admin/api/kpis?from={today - timedelta(days=6)}&to={today}"
    report = get_json(http, path, admin_headers)
    assert report["affiliates"] == {
        "revenue": "250.00",
        "commission": "25.00",
        "return": "10.00",  # 250.00 of sales per 25.00 of commission
        "affiliates": [
            {
                "affiliate": "Lena Partner",
                "orders": 2,
                "new_customers": 2,
                "returning_customers": 0,
                "revenue": "250.00",
                "commission": "25.00",
                "return": "10.00",
            }
        ],
    }
    response = http.get(f"{path}&format=csv&table=affiliates", headers=admin_headers)
    assert response.text.splitlines() == [
        "affiliate,orders,new_customers,returning_customers,revenue,commission,return",
        "Lena Partner,2,2,0,250.00,25.00,10.00",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("to=2026-01-31", "from"),
        ("from=2026-01-01", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=2026-01-01&to=tomorrow", "to"),
        ("from=2026-02-01&to=2026-01-31", "from"),
        ("from=2026-01-01&to=2026-01-31&format=xml", "format"),
        ("from=2026-01-01&to=2026-01-31&format=csv&table=orders", "table"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field(
    shop: str, http: requests.Session, admin_headers: dict[str, str], query: str, field: str
) -> None:
    response = http.get(f"/admin/api/kpis?{query}", headers=admin_headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["field"] == field


def test_another_shop_sees_only_its_own_figures(
    history: History,
    http: requests.Session,
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    install(OTHER_SHOP)
    headers = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}
    report = get_json(http, kpis_path(history), headers)
    assert report["shop"] == OTHER_SHOP
    assert report["customers"]["orders"] == 0
    assert report["points"]["issued"] == 0
    assert report["stamps"]["cards_completed"] == 0
    assert http.get(kpis_path(history)).status_code == 401


def test_the_pass_over_paid_orders_reads_the_index_alone(
    history: History, services: Services, database_url: str, shop: str
) -> None:
    """On PostgreSQL the orders' figures ride in ``ix_orders_customer_paid``: the insights'
    pass over every paid order never fetches an order's row from the table."""
    if not database_url.startswith("postgresql"):
        pytest.skip("index-only scans are PostgreSQL's")
    captured: list[tuple[str, Any]] = []

    def listener(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "GROUP BY orders.customer_id" in statement:
            captured.append((statement, parameters))

    with services.db.sessions() as session:
        period = Period(history.first, history.today)
        installed = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        event.listen(services.db.engine, "before_cursor_execute", listener)
        try:
            customer_figures(session, installed, period.start, period.end)
        finally:
            event.remove(services.db.engine, "before_cursor_execute", listener)
    assert len(captured) == 1
    statement, parameters = captured[0]
    with services.db.engine.connect() as vacuuming:
        # Marks the table's pages all-visible, as autovacuum does.
        vacuuming.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM orders")
    connection = services.db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        # With other ways priced out, the plan says whether the index alone can answer.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    finally:
        connection.close()
    assert "Index Only Scan using ix_orders_customer_paid on orders" in plan, plan
