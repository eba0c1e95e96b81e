"""A subset of Shopify's search syntax for the ``query:`` argument of connections.

Terms are ``field:value`` with optional ``>``, ``>=``, ``<``, ``<=``, quoted values and a
leading ``-`` to negate; terms are ANDed (``AND`` is accepted, ``OR`` is not modelled). A
bare word matches the resource's free text. Unknown fields are ignored, as Shopify ignores
filters it does not know (it only warns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_TERM = re.compile(
    r"""(?P<neg>-)?(?:(?P<field>[A-Za-z_]+):(?P<op>>=|<=|>|<)?)?(?P<value>"[^"]*"|'[^']*'|\S+)"""
)


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str
    value: str
    negate: bool


def parse_search(query: str | None) -> list[Term]:
    terms = []
    for match in _TERM.finditer(query or ""):
        value = match["value"]
        if match["field"] is None and value in ("AND", "and"):
            continue
        if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) >= 2:
            value = value[1:-1]
        terms.append(Term(match["field"], match["op"] or ":", value, bool(match["neg"])))
    return terms


def _as_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(actual: Any, op: str, wanted: str) -> bool:
    if actual is None:
        return False
    left: Any
    right: Any
    if isinstance(actual, datetime):
        moment = _as_datetime(wanted)
        if moment is None:
            return False
        left, right = actual, moment
    elif isinstance(actual, int | float) and not isinstance(actual, bool):
        try:
            left, right = actual, float(wanted)
        except ValueError:
            return False
    elif isinstance(actual, list | tuple | set):
        return any(str(item).casefold() == wanted.casefold() for item in actual)
    else:
        left, right = str(actual).casefold(), wanted.casefold()
        if op == ":":
            return left == right or (wanted.endswith("*") and left.startswith(right[:-1]))
    return {
        ":": left == right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[op]


def matches(
    query: str | None,
    fields: Mapping[str, Callable[[], Any]],
    free_text: Callable[[], str],
) -> bool:
    """Does the resource described by ``fields`` (name -> getter) satisfy ``query``?"""
    for term in parse_search(query):
        if term.field is None:
            hit = term.value.casefold() in free_text().casefold()
        elif term.field in fields:
            hit = _compare(fields[term.field](), term.op, term.value)
        else:
            continue
        if hit == term.negate:
            return False
    return True
