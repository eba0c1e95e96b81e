"""Imports and exports for the merchant.

``POST /admin/api/imports/points?dry_run=1`` with a CSV of ``email,balance`` (the request
body, or a ``file`` field of a multipart form): what would be credited, row by row; without
``dry_run`` the balances are credited. ``POST /admin/api/imports/backfill`` with a CSV of
past orders (imports/csv_source.py) and ``?credit_points=1``: brings them in.
``GET /admin/api/exports/customers`` (``?format=csv``): every customer with their points,
stamps, tier and stages.
"""

from __future__ import annotations

import csv
import dataclasses
import io

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.admin.downloads import csv_response, wants_csv
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.imports.backfill import backfill_from_csv
from shopify_loyalty.imports.customers_export import COLUMNS, customer_rows
from shopify_loyalty.imports.points_import import import_points, summary
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("imports_api", __name__, url_prefix="/admin/api")

FLAGS = {"1": True, "true": True, "0": False, "false": False}


@blueprint.post("/imports/points")
@require_shop
def import_points_balances() -> Response:
    dry_run = _flag("dry_run")
    session = request_session()
    rows = import_points(session, g.shop, uploaded_text(), dry_run=dry_run)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return jsonify(
        {
            "dry_run": dry_run,
            "summary": summary(rows),
            "rows": [dataclasses.asdict(row) for row in rows],
        }
    )


@blueprint.post("/imports/backfill")
@require_shop
def import_backfill() -> Response:
    text = uploaded_text()
    credit = _flag("credit_points")
    domain = g.shop.domain
    request_session().rollback()  # the backfill commits batch by batch on its own sessions
    result = backfill_from_csv(current_services(), domain, text, credit_points=credit)
    return jsonify(dataclasses.asdict(result))


@blueprint.get("/exports/customers")
@require_shop
def export_customers() -> Response:
    rows = list(customer_rows(request_session(), g.shop))
    if wants_csv():
        return csv_response(COLUMNS, [[row[c] for c in COLUMNS] for row in rows], "customers.csv")
    return jsonify({"customers": rows})


def uploaded_text() -> str:
    """The CSV sent as the body or as the ``file`` field of a form, as text (UTF-8)."""
    upload = request.files.get("file")
    data = upload.read() if upload is not None else request.get_data()
    if not data:
        raise InvalidInput("send the CSV as the request body or as a file field", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput("the CSV must be UTF-8 text", field="file") from error
    try:
        # The csv module refuses NUL characters and fields over its size limit.
        for _row in csv.reader(io.StringIO(text)):
            pass
    except csv.Error as error:
        raise InvalidInput(f"the CSV cannot be read: {error}", field="file") from error
    return text


def _flag(name: str) -> bool:
    raw = request.args.get(name, "0").lower()
    if raw not in FLAGS:
        raise InvalidInput(f"{name} must be 1 or 0", field=name)
    return FLAGS[raw]
