"""Serving a WSGI app on a free loopback port in a thread, for tests over real HTTP."""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server


class _BaseUrlSession(requests.Session):
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", 30)
        # Tests look at each redirect themselves (requests.get would follow them).
        kwargs["allow_redirects"] = False
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, url, *args, **kwargs)


class LiveServer:
    """Binds first (so the URL is known before the app is built), then serves the app."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        placeholder = Flask("placeholder")
        self._server: BaseWSGIServer = make_server(host, 0, placeholder, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None
        self.app: Flask = placeholder

    def start(self, app: Flask) -> None:
        self.app = app
        self._server.app = app
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def client(self) -> requests.Session:
        return _BaseUrlSession(self.url)
