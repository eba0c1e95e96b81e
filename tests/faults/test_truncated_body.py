"""A webhook whose connection drops before its body is complete: 400, nothing stored."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from sqlalchemy import func, select

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.services import Services
from shopify_loyalty.standin.webhook_sender import encode_payload, sign_webhook_body
from tests.conftest import API_SECRET, sample
from tests.live_server import LiveServer


def post_cut_short(url: str, shop: str, body: bytes, sent: int) -> bytes:
    """Announce the whole body (signed as a whole), send only ``sent`` bytes, close the
    sending side and read what the app answers."""
    target = urlparse(url)
    head = (
        "POST /webhooks HTTP/1.1\r\n"
        f"Host: {target.netloc}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Shopify-Topic: orders/paid\r\n"
        f"X-Shopify-Shop-Domain: {shop}\r\n"
        "X-Shopify-Webhook-Id: w-truncated\r\n"
        "X-Shopify-Event-Id: e-truncated\r\n"
        f"X-Shopify-Hmac-Sha256: {sign_webhook_body(body, API_SECRET)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((target.hostname, target.port), timeout=10) as conn:
        conn.sendall(head + body[:sent])
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_a_body_shorter_than_its_content_length_is_400_and_nothing_is_stored(
    shop: str, live: LiveServer, services: Services
) -> None:
    body = encode_payload(sample("orders/paid"))

    answer = post_cut_short(live.url, shop, body, len(body) // 2)

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 BAD REQUEST"
    assert b'"error":"truncated_body"' in rest.replace(b" ", b"")
    assert b'"field":"Content-Length"' in rest.replace(b" ", b"")
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_the_whole_body_sent_the_same_way_is_accepted(
    shop: str, live: LiveServer, services: Services
) -> None:
    body = encode_payload(sample("orders/paid"))
    answer = post_cut_short(live.url, shop, body, len(body))
    assert answer.startswith(b"HTTP/1.1 200 OK")
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 1
