"""The HTTP answer to an error: the status each domain error stands for, in the one JSON
error shape of ``errors``, registered on the Flask app for every route."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from shopify_loyalty.errors import (
    DATABASE_RETRY_AFTER_SECONDS,
    DATABASE_UNAVAILABLE,
    LoyaltyError,
    error_body,
    json_bytes,
)


def json_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> Response:
    """A JSON answer, built without Flask (the webhook receiver also answers outside it)."""
    return Response(json_bytes(body), status, headers, mimetype="application/json")


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
