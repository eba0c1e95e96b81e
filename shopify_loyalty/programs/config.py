"""Typed, validated settings sections.

A section is a frozen dataclass whose fields are declared with :func:`setting`, giving the
default and the allowed range or choices. :func:`validate` turns merchant input into the
dataclass or raises :class:`InvalidInput` naming the field and what is allowed, e.g.
``pending_days must be a whole number from 0 to 365``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol, TypeVar, get_type_hints

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.models import ProgramConfig
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import lasts_the_transaction, transaction_memo


class Section(Protocol):
    section: ClassVar[str]


S = TypeVar("S", bound=Section)

SECTIONS_MEMO = lasts_the_transaction("program_config_sections")
VERSIONS_MEMO = lasts_the_transaction("program_config_versions")
LOADED_MEMO = lasts_the_transaction("program_config_loaded")


def setting(
    default: Any,
    *,
    minimum: int | Decimal | None = None,
    maximum: int | Decimal | None = None,
    choices: tuple[Any, ...] | None = None,
    max_length: int | None = None,
    help: str = "",
) -> Any:
    """Declare a settings field with its default and what values are allowed."""
    metadata = {
        "minimum": minimum,
        "maximum": maximum,
        "choices": choices,
        "max_length": max_length,
        "help": help,
    }
    if isinstance(default, list | dict):
        return dataclasses.field(
            default_factory=lambda: json.loads(json.dumps(default)), metadata=metadata
        )
    return dataclasses.field(default=default, metadata=metadata)


def validate(cls: type[S], data: Mapping[str, Any], base: S | None = None) -> S:
    """Build the section from ``data`` on top of ``base`` (or the defaults)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("settings must be a JSON object")
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for name in data:
        if name not in known:
            raise InvalidInput(f"{name} is not a setting of {cls.section}", field=name)
    hints = get_type_hints(cls)
    values = dataclasses.asdict(base) if base is not None else {}  # type: ignore[call-overload]
    for name, value in data.items():
        values[name] = _coerce(name, hints[name], value, known[name].metadata)
    return cls(**values)


def _coerce(name: str, kind: Any, value: Any, meta: Mapping[str, Any]) -> Any:
    choices = meta.get("choices")
    minimum, maximum = meta.get("minimum"), meta.get("maximum")
    if choices is not None:
        if value not in choices:
            allowed = ", ".join(str(choice) for choice in choices)
            raise InvalidInput(f"{name} must be one of {allowed}", field=name)
        return value
    optional = _is_optional(kind)
    if value is None:
        if optional:
            return None
        raise InvalidInput(f"{name} is required", field=name)
    base_kind = _strip_optional(kind)
    if base_kind is bool:
        if not isinstance(value, bool):
            raise InvalidInput(f"{name} must be true or false", field=name)
        return value
    if base_kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(
                f"{name} must be a whole number{_range(minimum, maximum)}", field=name
            )
        _check_range(name, value, minimum, maximum, "a whole number")
        return value
    if base_kind is Decimal:
        try:
            number = Decimal(str(value)) if not isinstance(value, bool) else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise InvalidInput(f"{name} must be a number{_range(minimum, maximum)}", field=name)
        _check_range(name, number, minimum, maximum, "a number")
        return number
    if base_kind is str:
        if not isinstance(value, str):
            raise InvalidInput(f"{name} must be text", field=name)
        limit = meta.get("max_length")
        if limit is not None and len(value) > limit:
            raise InvalidInput(f"{name} must be at most {limit} characters", field=name)
        return value
    # Lists and nested objects are validated by the section's own __post_init__.
    return value


def _check_range(name: str, value: Any, minimum: Any, maximum: Any, what: str) -> None:
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInput(f"{name} must be {what}{_range(minimum, maximum)}", field=name)


def _range(minimum: Any, maximum: Any) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def _is_optional(kind: Any) -> bool:
    return type(None) in getattr(kind, "__args__", ())


def _strip_optional(kind: Any) -> Any:
    args = [arg for arg in getattr(kind, "__args__", ()) if arg is not type(None)]
    return args[0] if _is_optional(kind) and len(args) == 1 else kind


def to_json(section: Any) -> dict[str, Any]:
    return json.loads(json.dumps(dataclasses.asdict(section), default=str))


def load(session: Session, shop: Shop, cls: type[S]) -> S:
    """The shop's section, defaults filled in for anything the merchant has not set.

    Sections are frozen, so the one validated is kept for the rest of the transaction: a
    paid order reads the same sections from several modules.
    """
    loaded: dict[tuple[int, type[Any]], Any] = transaction_memo(session, LOADED_MEMO)
    key = (shop.id, cls)
    if key not in loaded:
        loaded[key] = _parse(cls, stored_sections(session, shop).get(cls.section))
    section: S = loaded[key]
    return section


def _parse(cls: type[S], data: str | None) -> S:
    if data is None:
        return cls()
    stored = json.loads(data)
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return validate(cls, {k: v for k, v in stored.items() if k in known})


def stored_sections(session: Session, shop: Shop) -> dict[str, str]:
    """Every stored section of the shop, read in one query and kept for the transaction.

    A widget request reads five sections; one query instead of five. The copy lives as long
    as the transaction (see ``transaction_memo``), and ``save`` keeps it current.
    """
    memo: dict[int, dict[str, str]] = transaction_memo(session, SECTIONS_MEMO)
    if shop.id not in memo:
        rows = session.execute(
            select(ProgramConfig.section, ProgramConfig.data, ProgramConfig.version).where(
                ProgramConfig.shop_id == shop.id
            )
        ).all()
        memo[shop.id] = {section: data for section, data, _ in rows}
        versions = transaction_memo(session, VERSIONS_MEMO)
        versions[shop.id] = {section: version or 0 for section, _, version in rows}
    return memo[shop.id]


def section_version(session: Session, shop: Shop, cls: type[S]) -> int:
    """How many times the merchant has saved the section (0: never): read with the
    sections, so a job keyed on it costs no query of its own."""
    stored_sections(session, shop)  # reads the versions with the sections, once
    versions: dict[int, dict[str, int]] = transaction_memo(session, VERSIONS_MEMO)
    return versions[shop.id].get(cls.section, 0)


def save(session: Session, shop: Shop, cls: type[S], changes: Mapping[str, Any]) -> S:
    """Validate ``changes`` on top of the current section and store the result."""
    current = load(session, shop, cls)
    updated = validate(cls, changes, base=current)
    row = session.scalar(
        select(ProgramConfig).where(
            ProgramConfig.shop_id == shop.id, ProgramConfig.section == cls.section
        )
    )
    if row is None:
        row = ProgramConfig(shop_id=shop.id, section=cls.section, version=0)
        session.add(row)
    row.data = json.dumps(to_json(updated))
    row.version = (row.version or 0) + 1
    session.flush()
    stored_sections(session, shop)[cls.section] = row.data
    versions: dict[int, dict[str, int]] = transaction_memo(session, VERSIONS_MEMO)
    versions[shop.id][cls.section] = row.version
    transaction_memo(session, LOADED_MEMO).pop((shop.id, cls), None)
    return updated
