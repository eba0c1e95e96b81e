"""What in a paid order names a referrer: the friend's discount code, the ``loyalty_ref``
note attribute (set by the storefront when the friend arrived through a referral link), or
the ``ref`` parameter of the landing page, in that order of trust.

Read leniently: these are optional extras of the payload, so an odd value is skipped, never
a reason to refuse the order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

NOTE_ATTRIBUTE = "loyalty_ref"
LANDING_PARAMETER = "ref"
MAX_CODE_LENGTH = 64

DISCOUNT_CODE = "discount_code"
NOTE_ATTRIBUTE_MATCH = "note_attribute"
LANDING_SITE = "landing_site"


@dataclass(frozen=True)
class Evidence:
    """One hint at a referrer: a friend discount code, or a referral code."""

    value: str
    matched_by: str


def referral_evidence(payload: dict[str, Any]) -> Iterator[Evidence]:
    for entry in _list(payload.get("discount_codes")):
        code = _text(entry.get("code"))
        if code:
            yield Evidence(code, DISCOUNT_CODE)
    for entry in _list(payload.get("note_attributes")):
        if str(entry.get("name", "")).strip().lower() == NOTE_ATTRIBUTE:
            code = _text(entry.get("value"))
            if code:
                yield Evidence(code, NOTE_ATTRIBUTE_MATCH)
    landing = payload.get("landing_site")
    if isinstance(landing, str) and landing:
        for code in _landing_codes(landing):
            yield Evidence(code, LANDING_SITE)


@lru_cache(maxsize=256)
def _landing_codes(landing: str) -> tuple[str, ...]:
    """The ``ref`` values of a landing page: an order's evidence is read by the batch's
    lookups and again by each conversion, and parsing the address cost the most of it."""
    try:
        values = parse_qs(urlsplit(landing).query).get(LANDING_PARAMETER, [])
    except ValueError:
        values = []
    return tuple(code for value in values if (code := _text(value)))


def customer_created_at(payload: dict[str, Any]) -> datetime | None:
    """When the buyer's Shopify account was made, from the order's ``customer`` object."""
    customer = payload.get("customer")
    value = customer.get("created_at") if isinstance(customer, dict) else None
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def order_emails(payload: dict[str, Any]) -> set[str]:
    """Every address the order was placed with, case-folded."""
    found = set()
    customer = payload.get("customer")
    sources = [payload.get("email"), payload.get("contact_email")]
    if isinstance(customer, dict):
        sources.append(customer.get("email"))
    for value in sources:
        if isinstance(value, str) and value.strip():
            found.add(value.strip().casefold())
    return found


def _list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if 0 < len(text) <= MAX_CODE_LENGTH else None
