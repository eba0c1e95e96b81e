"""A settings section as an HTML form: its fields, the values shown, and the merchant's
input turned back into the changes ``programs.config.save`` validates.

Numbers, switches, choices and text get their own inputs; lists and nested settings (the
tiers, qualifying products, the stamp card's reward) are edited as JSON. An error is kept
with the field it names (``tiers[1].threshold`` belongs to ``tiers``) to show beside it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, get_type_hints

from shopify_loyalty.programs.config import to_json

INT, DECIMAL, SWITCH, CHOICE, TEXT, JSON = "int", "decimal", "switch", "choice", "text", "json"


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    value: str
    checked: bool
    optional: bool
    help: str
    minimum: Any
    maximum: Any
    choices: tuple[Any, ...]
    error: str | None

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


def field_kind(cls: type[Any], name: str) -> tuple[str, bool]:
    """The input kind of a section's field, and whether it may be left empty."""
    hint = get_type_hints(cls)[name]
    args = [a for a in getattr(hint, "__args__", ()) if a is not type(None)]
    optional = type(None) in getattr(hint, "__args__", ())
    base = args[0] if optional and len(args) == 1 else hint
    meta = next(f for f in dataclasses.fields(cls) if f.name == name).metadata
    if meta.get("choices"):
        return CHOICE, optional
    kinds = {int: INT, Decimal: DECIMAL, bool: SWITCH, str: TEXT}
    return kinds.get(base, JSON), optional


def form_fields(
    cls: type[Any],
    values: Any,
    errors: Mapping[str, str] | None = None,
    submitted: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The section's fields with the stored values, or what was submitted after an error."""
    stored = to_json(values)
    fields = []
    for field in dataclasses.fields(cls):
        kind, optional = field_kind(cls, field.name)
        current = stored.get(field.name)
        if kind == JSON:
            shown = json.dumps(current, indent=2)
        else:
            shown = "" if current is None else str(current)
        if submitted is not None and kind != SWITCH:
            shown = submitted.get(field.name, shown)
        checked = bool(current) if submitted is None else field.name in submitted
        meta = field.metadata
        fields.append(
            FormField(
                name=field.name,
                kind=kind,
                value=shown,
                checked=checked,
                optional=optional,
                help=meta.get("help", ""),
                minimum=meta.get("minimum"),
                maximum=meta.get("maximum"),
                choices=tuple(meta.get("choices") or ()),
                error=(errors or {}).get(field.name),
            )
        )
    return fields


def changes_from_form(
    cls: type[Any], form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted values as settings changes, and the fields that could not be read."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in dataclasses.fields(cls):
        name = field.name
        kind, optional = field_kind(cls, name)
        if kind == SWITCH:
            changes[name] = name in form
            continue
        raw = form.get(name, "").strip()
        if raw == "" and optional:
            changes[name] = None
        elif kind == INT:
            if re.fullmatch(r"-?\d+", raw):
                changes[name] = int(raw)
            else:
                errors[name] = f"{name} must be a whole number"
        elif kind == JSON:
            try:
                changes[name] = json.loads(raw)
            except ValueError:
                errors[name] = f"{name} must be valid JSON"
        else:
            changes[name] = raw
    return changes, errors


def error_field(field: str | None) -> str | None:
    """The form field an error belongs to: ``tiers[1].threshold`` -> ``tiers``."""
    if not field:
        return None
    return re.split(r"[\[.]", field, maxsplit=1)[0]
