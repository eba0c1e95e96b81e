"""The KPI report as tables, each exportable as CSV (``?format=csv&table=<name>``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from shopify_loyalty.errors import InvalidInput


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _summary(report: dict[str, Any]) -> Table:
    definitions = report["definitions"]
    rows = [(name, value, definitions.get(name, "")) for name, value in report["customers"].items()]
    return Table(("kpi", "value", "definition"), rows)


def _members(report: dict[str, Any]) -> Table:
    columns = (
        "group",
        "customers",
        "orders",
        "spend",
        "order_frequency",
        "average_order_value",
        "spend_per_customer",
    )
    rows = [
        (group, *(figures[c] for c in columns[1:])) for group, figures in report["members"].items()
    ]
    return Table(columns, rows)


def _satisfaction(report: dict[str, Any]) -> Table:
    survey = report["satisfaction"]
    rows: list[tuple[Any, ...]] = [
        (level["level"], level["responses"], level["share"]) for level in survey["levels"]
    ]
    rows.append(("net_promoter_score", survey["responses"], survey["net_promoter_score"]))
    return Table(("level", "responses", "share"), rows)


def _points(report: dict[str, Any]) -> Table:
    definitions = report["definitions"]
    rows = []
    for name, value in report["points"].items():
        key = name if name in definitions else f"points_{name}"
        rows.append((name, value, definitions.get(key, "")))
    rows.append(
        (
            "stamp_cards_completed",
            report["stamps"]["cards_completed"],
            definitions["stamp_cards_completed"],
        )
    )
    return Table(("figure", "value", "definition"), rows)


def _tier_distribution(report: dict[str, Any]) -> Table:
    rows = [(row["tier"], row["customers"]) for row in report["tiers"]["distribution"]]
    return Table(("tier", "customers"), rows)


def _tier_movement(report: dict[str, Any]) -> Table:
    rows = [
        (move["from_tier"] or "", move["to_tier"] or "", move["moves"], move["direction"])
        for move in report["tiers"]["movement"]
    ]
    return Table(("from_tier", "to_tier", "moves", "direction"), rows)


def _affiliates(report: dict[str, Any]) -> Table:
    return records_table(report["affiliates"]["affiliates"])


def records_table(records: Sequence[dict[str, Any]]) -> Table:
    columns: list[str] = []
    for record in records:
        for name in record:
            if name not in columns:
                columns.append(name)
    rows = [tuple(_cell(record.get(name)) for name in columns) for record in records]
    return Table(tuple(columns), rows)


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return repr(value)
    return value


TABLES: dict[str, Callable[[dict[str, Any]], Table]] = {
    "summary": _summary,
    "members": _members,
    "satisfaction": _satisfaction,
    "points": _points,
    "tier_distribution": _tier_distribution,
    "tier_movement": _tier_movement,
    "affiliates": _affiliates,
}


def report_table(report: dict[str, Any], name: str) -> Table:
    if name not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}", field="table")
    return TABLES[name](report)


def csv_text(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """CSV with a header row; None is an empty cell. Cells that a spreadsheet would run as
    a formula are prefixed with a quote (customer names are shopper-controlled)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    return buffer.getvalue()


def _safe(cell: Any) -> Any:
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        if cell[:1] == "-" and _is_number(cell):
            return cell
        return "'" + cell
    return cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
