"""Downloads for the admin pages: the same CSV files as the JSON API's ``?format=csv``,
reachable with the page's own sign-in (session token or development login)."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from shopify_loyalty.admin.downloads import csv_response
from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.segments_api import CUSTOMER_COLUMNS, customer_json, segment_json
from shopify_loyalty.db import utcnow
from shopify_loyalty.imports.customers_export import COLUMNS as CUSTOMERS
from shopify_loyalty.imports.customers_export import customer_rows
from shopify_loyalty.insights.periods import parse_period
from shopify_loyalty.insights.report import kpi_report
from shopify_loyalty.insights.tables import report_table
from shopify_loyalty.segments.membership import all_segments, find_segment
from shopify_loyalty.services import request_session

blueprint = Blueprint("admin_downloads", __name__, url_prefix="/admin/data")

SEGMENT_COLUMNS = ("name", "kind", "tag", "size", "revenue")


@blueprint.get("/kpis.csv")
@require_page_shop
def kpis_csv() -> Response:
    period = parse_period(request.args.get("from"), request.args.get("to"))
    name = request.args.get("table", "summary")
    table = report_table(kpi_report(request_session(), g.shop, period), name)
    return csv_response(table.columns, table.rows, f"kpis-{name}-{period.first}-{period.last}.csv")


@blueprint.get("/segments.csv")
@require_page_shop
def segments_csv() -> Response:
    rows = [segment_json(s) for s in all_segments(request_session(), g.shop, utcnow())]
    return csv_response(
        SEGMENT_COLUMNS, [[r[c] for c in SEGMENT_COLUMNS] for r in rows], "segments.csv"
    )


@blueprint.get("/segments/<name>.csv")
@require_page_shop
def segment_customers_csv(name: str) -> Response:
    segment = find_segment(request_session(), g.shop, name, utcnow())
    rows = [customer_json(m) for m in segment.members]
    return csv_response(
        CUSTOMER_COLUMNS, [[r[c] for c in CUSTOMER_COLUMNS] for r in rows], f"segment-{name}.csv"
    )


@blueprint.get("/customers.csv")
@require_page_shop
def customers_csv() -> Response:
    rows = list(customer_rows(request_session(), g.shop))
    return csv_response(CUSTOMERS, [[r[c] for c in CUSTOMERS] for r in rows], "customers.csv")
