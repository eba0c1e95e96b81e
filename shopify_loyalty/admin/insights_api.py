"""The merchant's KPIs for a period: ``GET /admin/api/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD``.

Dates are whole UTC days, both included. ``format=csv`` gives one table of the report as
CSV (``table=summary`` by default; also members, satisfaction, points, tier_distribution,
tier_movement, affiliates).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.admin.downloads import csv_response, wants_csv
from shopify_loyalty.insights.periods import parse_period
from shopify_loyalty.insights.report import kpi_report
from shopify_loyalty.insights.tables import report_table
from shopify_loyalty.services import request_session

blueprint = Blueprint("insights_api", __name__, url_prefix="/admin/api")


@blueprint.get("/kpis")
@require_shop
def show_kpis() -> Response:
    period = parse_period(request.args.get("from"), request.args.get("to"))
    report = kpi_report(request_session(), g.shop, period)
    if wants_csv():
        name = request.args.get("table", "summary")
        table = report_table(report, name)
        return csv_response(
            table.columns, table.rows, f"kpis-{name}-{period.first}-{period.last}.csv"
        )
    return jsonify(report)
