"""Webhook deliveries answered in front of Flask.

``POST /webhooks`` is the app's busiest path (a Black Friday sends thousands a second) and
needs none of what Flask adds to a request: no session cookie, no app context, no template,
no request hooks, not even a request or response object. So the WSGI app first looks at the
method and path, and a delivery goes straight to
:func:`~shopify_loyalty.inbox.receiver.receive_delivery` with the WSGI environment;
everything else, and any other method on these paths, goes through Flask. The
Flask routes stay registered and call the same function, so both ways answer alike, errors
included (the same JSON shape, 503 with ``Retry-After`` while the database is away).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from shopify_loyalty.error_responses import error_response
from shopify_loyalty.errors import json_bytes
from shopify_loyalty.inbox.receiver import WEBHOOK_PATHS, receive_delivery
from shopify_loyalty.storable_input import unstorable_parameter_error

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from shopify_loyalty.services import Services

log = logging.getLogger(__name__)


class WebhookFastPath:
    """WSGI middleware: deliveries to the receiver directly, the rest to ``app``."""

    def __init__(self, app: WSGIApplication, services: Services) -> None:
        self.app = app
        self.services = services

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in WEBHOOK_PATHS:
            return self.app(environ, start_response)
        try:
            if environ.get("QUERY_STRING"):
                if (refused := unstorable_parameter_error(Request(environ).args)) is not None:
                    raise refused
            status, body = receive_delivery(environ, self.services)
        except Exception as error:  # noqa: BLE001 (answered as Flask's handlers answer)
            return error_response(error, log)(environ, start_response)
        # Written straight to WSGI: a Response object cost more than the rest of the answer.
        payload = json_bytes(body)
        start_response(
            f"{status} {HTTP_STATUS_CODES[status].upper()}",  # as Werkzeug writes it
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def install(flask_app: Any, services: Services) -> None:
    """Put the fast path in front of ``flask_app``'s WSGI callable."""
    flask_app.wsgi_app = WebhookFastPath(flask_app.wsgi_app, services)
