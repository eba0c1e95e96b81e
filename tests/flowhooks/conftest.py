"""Fixtures for Flow and outbound webhooks: a real HTTP receiver on this machine that records
what it gets and answers as told, the switches that let the app send to it quickly, and a
poll that waits for the worker to finish future-dated retries."""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shopify_loyalty.services import Services
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    Deliver,
    admin_headers,
    deliver,
    member_with_expiring_points,
)


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


def serve_receiver(tls: ssl.SSLContext | None = None) -> tuple[Receiver, ThreadingHTTPServer]:
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
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    holder["receiver"] = Receiver(f"{scheme}://127.0.0.1:{server.server_port}/hooks")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return holder["receiver"], server


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS", "0.05")
    found, server = serve_receiver()
    yield found
    server.shutdown()
    server.server_close()


def self_signed(folder: Path, names: list[str], addresses: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) for the names and addresses, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test receiver")])
    now = datetime.now(UTC)
    alternative = [x509.DNSName(name) for name in names] + [
        x509.IPAddress(ipaddress.ip_address(address)) for address in addresses
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "receiver.pem", folder / "receiver.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[list[str], list[str]], Receiver]]:
    """An HTTPS receiver whose certificate names ``names`` and ``addresses``; the app trusts
    it as a CA (``REQUESTS_CA_BUNDLE``)."""
    monkeypatch.setenv("LOYALTY_WEBHOOKS_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("LOYALTY_WEBHOOKS_RETRY_BASE_SECONDS", "0.05")
    servers: list[ThreadingHTTPServer] = []

    def start(names: list[str], addresses: list[str]) -> Receiver:
        cert, key = self_signed(tmp_path, names, addresses)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        found, server = serve_receiver(context)
        servers.append(server)
        return found

    yield start
    for server in servers:
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
