"""The stand-in as a Flask app, and a server that runs it on a thread for tests and the demo.

Shops live under their domain in the path: ``{url}/{shop}/admin/...``. Point the app's
``SHOPIFY_ADMIN_URL`` at :attr:`StandinServer.admin_url_template` and every OAuth and Admin
API call goes here.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from shopify_loyalty.standin import control, graphql_api, oauth
from shopify_loyalty.standin.control import StandinControl
from shopify_loyalty.standin.state import EXTENSION_KEY, StandinState


def create_standin_app(api_key: str, api_secret: str, *, app_url: str | None = None) -> Flask:
    """A stand-in for Shopify that knows one app (``api_key``/``api_secret``).

    With ``app_url`` the authorize endpoint only redirects to that origin, as Shopify only
    redirects to the app's allowed redirection URLs.
    """
    app = Flask("shopify_loyalty.standin")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = StandinState(api_key, api_secret, app_url=app_url)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(graphql_api.bp)
    app.register_blueprint(control.bp)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return jsonify({"errors": error.name}), error.code

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class StandinServer:
    """Serves a stand-in on ``host:port`` (0 picks a free port) in a daemon thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_url: str | None = None,
        quiet: bool = True,
    ) -> None:
        self.app = create_standin_app(api_key, api_secret, app_url=app_url)
        self.host = host
        self.port = port
        self._quiet = quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> StandinState:
        state: StandinState = self.app.extensions[EXTENSION_KEY]
        return state

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running")
        return f"http://{self.host}:{self._server.server_port}"

    @property
    def admin_url_template(self) -> str:
        """The value for ``SHOPIFY_ADMIN_URL``: ``{url}/{shop}``."""
        return f"{self.url}/{{shop}}"

    @property
    def control(self) -> StandinControl:
        return StandinControl(self.url)

    def start(self) -> StandinServer:
        if self._server is not None:
            return self
        self._server = make_server(
            self.host,
            self.port,
            self.app,
            threaded=True,
            request_handler=_QuietHandler if self._quiet else None,
        )
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05),
            name="shopify-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
