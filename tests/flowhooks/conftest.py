"""Fixtures for Flow and outbound webhooks: a real HTTP receiver on this machine that records
what it gets and answers as told, the switches that let the app send to it quickly, and a
poll that waits for the worker to finish future-dated retries."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from shopify_loyalty.services import Services
from tests.notifications.conftest import Deliver, admin_headers, deliver  # noqa: F401


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint of the merchant's: records every request; answers with the queued
    statuses first, then ``default_status``."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    default_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.statuses.popleft() if self.statuses else self.default_status


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS", "0.05")
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = holder["receiver"]
            with target.lock:
                target.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = target.answer()
            answer = json.dumps({"ok": status < 300, "status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = Receiver(f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def wait_for(services: Services) -> Callable[..., Any]:
    """Poll ``check`` (waking the worker) until it returns something truthy."""

    def wait(check: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if services.worker is not None:
                services.worker.wake()
            found = check()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError("gave up waiting")

    return wait


def register_endpoint(
    http: requests.Session, headers: dict[str, str], url: str, topics: list[str]
) -> dict[str, Any]:
    response = http.post(
        "/admin/api/webhook-endpoints", json={"url": url, "topics": topics}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
