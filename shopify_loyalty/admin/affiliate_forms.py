"""The affiliate pages' forms turned into what the affiliates area validates.

A form sends text; the domain functions (accounts.py, codes.py) take numbers, switches and
ISO times and check every value, naming the field they refuse. Here only the shape changes:
an empty optional field becomes None, whole numbers become ints, a ticked box True, and an
expiry date the end of that day in UTC. Text that is not a number is passed on as it is, so
the domain's own message explains what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shopify_loyalty.affiliates import accounts, codes
from shopify_loyalty.errors import InvalidInput

WHOLE = re.compile(r"\d+")

AFFILIATE_FIELDS = accounts.FIELDS
CODE_FIELDS = codes.FIELDS
PAYOUT_FIELDS = ("until", "reference")
RANGE_FIELDS = ("from", "to")


def affiliate_data(form: Mapping[str, str]) -> dict[str, Any]:
    """The create form as ``create_affiliate`` data."""
    data: dict[str, Any] = {
        name: form.get(name, "").strip() for name in AFFILIATE_FIELDS[:-1] if name in form
    }
    data["shopify_customer_id"] = _whole_or_text(form.get("shopify_customer_id", ""))
    return data


def code_data(form: Mapping[str, str]) -> dict[str, Any]:
    """The new-code form as ``create_code`` data."""
    return {
        "code": form.get("code", "").strip(),
        "discount_kind": form.get("discount_kind", "").strip(),
        "discount_value": form.get("discount_value", "").strip(),
        "minimum_order": _optional_text(form.get("minimum_order", "")),
        "usage_limit": _whole_or_text(form.get("usage_limit", "")),
        "once_per_customer": "once_per_customer" in form,
        "ends_at": _end_of_day(form.get("ends_at", "")),
        "max_orders": _whole_or_text(form.get("max_orders", "")),
        "max_commission": _optional_text(form.get("max_commission", "")),
    }


def day_field(raw: str, field: str) -> date:
    """A date typed as YYYY-MM-DD."""
    text = raw.strip()
    if not text:
        raise InvalidInput(f"{field} is required, as YYYY-MM-DD", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"{field} must be a date as YYYY-MM-DD", field=field) from error


def _optional_text(raw: str) -> str | None:
    return raw.strip() or None


def _whole_or_text(raw: str) -> int | str | None:
    text = raw.strip()
    if not text:
        return None
    return int(text) if WHOLE.fullmatch(text) else text


def _end_of_day(raw: str) -> str | None:
    """The code's last day, as the first moment after it in UTC (Shopify's ``endsAt``)."""
    if not raw.strip():
        return None
    last = day_field(raw, "ends_at")
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC).isoformat()
