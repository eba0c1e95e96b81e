"""Domain errors and the one JSON error shape every API answers with.

Domain code raises these; ``error_responses`` maps them to HTTP statuses with
``{"error": code, "message": text, "field": name-or-null}``. Nothing here needs the web
framework: the workers raise and catch the same errors without loading it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# Seconds a caller (Shopify retrying a webhook, a browser) should wait while the database is
# unreachable or locked.
DATABASE_RETRY_AFTER_SECONDS = 5
# What a request meets while the database is unreachable, locked or out of connections.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


class LoyaltyError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidInput(LoyaltyError):
    status = 400
    code = "invalid"


class Unauthorized(LoyaltyError):
    status = 401
    code = "unauthorized"


class Forbidden(LoyaltyError):
    status = 403
    code = "forbidden"


class NotFound(LoyaltyError):
    status = 404
    code = "not_found"


class Conflict(LoyaltyError):
    status = 409
    code = "conflict"


class UpstreamError(LoyaltyError):
    """Shopify refused or did not answer; nothing of ours was left half-written."""

    status = 502
    code = "shopify_unavailable"


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "field": field}


def json_bytes(body: dict[str, Any]) -> bytes:
    """The body of every JSON answer: compact, one line."""
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()
