"""Hypothesis strategies for hostile webhook payloads: Shopify's sample payloads with fields
replaced by wrong types, huge numbers, hostile text and deep nesting, or removed."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from tests.conftest import sample

Path = tuple[str | int, ...]

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        "\x00",
        "Maria\x00Keller",
        "\ud800",
        "\udfff lone",
        "💳🛒" * 40,
        "ß" * 300,
        "<script>alert(1)</script>",
        "'; DROP TABLE ledger_entries; --",
        "1e999",
        "-1",
        "NaN",
        "9" * 40,
        "gid://shopify/Customer/../../Shop/1",
        "\u202e\u200b\ufeff",
    ]
) | st.text(max_size=60)
HUGE_NUMBERS = st.sampled_from(
    [0, -1, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), 2**64, 10**30, 1e308, -1e308, 0.1]
)


@st.composite
def nested(draw: st.DrawFn) -> Any:
    depth = draw(st.integers(min_value=1, max_value=60))
    inner: Any = draw(st.sampled_from([None, 1, "x", {}]))
    for level in range(depth):
        inner = [inner] if level % 2 else {"a": inner}
    return inner


HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    HUGE_NUMBERS,
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    HOSTILE_TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    nested(),
)


def paths_of(value: Any, prefix: Path = ()) -> list[Path]:
    """Every path to a value inside a JSON document (the root aside)."""
    found: list[Path] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths_of(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths_of(item, (*prefix, index)))
    return found


def _set(document: Any, path: Path, value: Any, *, remove: bool) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if remove and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value


@st.composite
def mutated_payload(draw: st.DrawFn, topic: str, customer_id: int) -> dict[str, Any]:
    """The topic's sample, about our member, with one to four fields replaced or removed."""
    payload: dict[str, Any] = copy.deepcopy(sample(topic))
    if isinstance(payload.get("customer"), dict):
        payload["customer"]["id"] = customer_id
    elif topic.startswith("customers"):
        payload["id"] = customer_id
    paths = paths_of(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(paths))
        try:
            _set(payload, path, draw(HOSTILE_VALUES), remove=draw(st.booleans()))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced the parent
        paths = paths_of(payload)
        if not paths:
            break
    return payload


def encoded(payload: Any) -> bytes:
    """JSON as Shopify sends it; lone surrogates travel as \\u escapes."""
    return json.dumps(payload, ensure_ascii=True).encode()
