"""Domain errors and the one JSON error shape every API answers with.

Domain code raises these; :func:`register_error_handlers` maps them to HTTP statuses with
``{"error": code, "message": text, "field": name-or-null}``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

# Seconds a caller (Shopify retrying a webhook, a browser) should wait while the database is
# unreachable or locked.
DATABASE_RETRY_AFTER_SECONDS = 5


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LoyaltyError)
    def _domain_error(error: LoyaltyError) -> Any:
        return jsonify(error_body(error.code, error.message, error.field)), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        code = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error_body(code, error.description or error.name)), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def _database_unavailable(error: Exception) -> Any:
        app.logger.warning("database unavailable: %s", type(error).__name__)
        body = error_body(
            "database_unavailable", "The database cannot be reached; try again shortly."
        )
        return jsonify(body), 503, {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("unexpected error", exc_info=error)
        return jsonify(error_body("internal_error", "Something went wrong on our side.")), 500
