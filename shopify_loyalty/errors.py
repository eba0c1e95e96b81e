"""Domain errors and the one JSON error shape every API answers with.

Domain code raises these; :func:`register_error_handlers` maps them to HTTP statuses with
``{"error": code, "message": text, "field": name-or-null}``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

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


def json_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer, built without Flask (the webhook receiver also answers outside it)."""
    return Response(json_bytes(body), status, headers, mimetype="application/json")


def json_bytes(body: dict[str, Any]) -> bytes:
    """The body of every JSON answer: compact, one line."""
    return (json.dumps(body, separators=(",", ":")) + "\n").encode()


def error_response(error: Exception, log: logging.Logger) -> Response:
    """The answer to an error a request raised: its status and the one JSON error shape."""
    if isinstance(error, LoyaltyError):
        return json_response(error_body(error.code, error.message, error.field), error.status)
    if isinstance(error, HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return json_response(error_body(code, error.description or error.name), error.code or 500)
    if isinstance(error, DATABASE_UNAVAILABLE):
        log.warning("database unavailable: %s", type(error).__name__)
        body = error_body(
            "database_unavailable", "The database cannot be reached; try again shortly."
        )
        return json_response(body, 503, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    log.exception("unexpected error", exc_info=error)
    return json_response(error_body("internal_error", "Something went wrong on our side."), 500)


def register_error_handlers(app: Flask) -> None:
    def handle(error: Exception) -> Response:
        return error_response(error, app.logger)

    for kind in (LoyaltyError, HTTPException, *DATABASE_UNAVAILABLE, Exception):
        app.register_error_handler(kind, handle)
