"""Reading Shopify payload fields strictly: a missing or wrong field is an InvalidPayload."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shopify_loyalty.inbox.context import InvalidPayload

MAX_ID = 2**63 - 1
MAX_MONEY = Decimal("999999999999.99")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def shopify_id(payload: dict[str, Any], field: str) -> int:
    value = payload.get(field)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidPayload(field, "must be a Shopify id")
    try:
        number = int(value)
    except ValueError as error:
        raise InvalidPayload(field, "must be a Shopify id") from error
    if not 0 < number <= MAX_ID:
        raise InvalidPayload(field, "is out of range for a Shopify id")
    return number


def optional_id(payload: dict[str, Any], field: str) -> int | None:
    if payload.get(field) is None:
        return None
    return shopify_id(payload, field)


def money(payload: dict[str, Any], field: str, default: str | None = None) -> Decimal:
    """A money string (Shopify sends "12.50"), as a Decimal of the shop's currency."""
    value = payload.get(field, default)
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidPayload(field, "must be an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidPayload(field, "must be an amount") from error
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise InvalidPayload(field, "is out of range")
    return amount.quantize(Decimal("0.01"))


def text(payload: dict[str, Any], field: str, limit: int = 255) -> str | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPayload(field, "must be text")
    return storable_text(value)[:limit]


def storable_text(value: str) -> str:
    """Text a database can hold: NUL removed (PostgreSQL refuses it in text) and lone
    surrogates, which JSON escapes can carry but UTF-8 cannot, replaced by U+FFFD."""
    return LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def timestamp(payload: dict[str, Any], field: str) -> datetime | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPayload(field, "must be an ISO 8601 time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidPayload(field, "must be an ISO 8601 time") from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def obj(payload: dict[str, Any], field: str) -> dict[str, Any] | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidPayload(field, "must be an object")
    return value


def items(payload: dict[str, Any], field: str) -> list[dict[str, Any]]:
    value = payload.get(field) or []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidPayload(field, "must be a list of objects")
    return value
