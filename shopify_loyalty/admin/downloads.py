"""CSV answers for the merchant's tables (``?format=csv``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response, request

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.insights.tables import csv_text

FORMATS = ("json", "csv")


def wants_csv() -> bool:
    """True for ``?format=csv``; JSON otherwise; InvalidInput for an unknown format."""
    chosen = request.args.get("format", "json")
    if chosen not in FORMATS:
        raise InvalidInput("format must be json or csv", field="format")
    return chosen == "csv"


def csv_response(columns: Iterable[str], rows: Iterable[Iterable[Any]], filename: str) -> Response:
    return Response(
        csv_text(columns, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
