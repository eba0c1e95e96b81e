"""Deliver signed webhooks to the app the way Shopify does (shopify_platform.md section 1).

A delivery is a POST of compact JSON with ``X-Shopify-Topic``, ``-Shop-Domain``,
``-API-Version``, ``-Webhook-Id``, ``-Event-Id``, ``-Triggered-At`` and
``X-Shopify-Hmac-Sha256``: the base64 HMAC-SHA256 of the exact body bytes keyed with the
app's secret. A retry repeats the same body and ids; deliveries may arrive out of order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypedDict

import requests

DEFAULT_API_VERSION = "2026-04"
DELIVERY_TIMEOUT_SECONDS = 5.0


def sign_webhook_body(body: bytes, secret: str) -> str:
    """Base64 HMAC-SHA256 of the raw body bytes, keyed with the app's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def encode_payload(payload: Mapping[str, Any] | bytes) -> bytes:
    """Bytes are sent untouched; a dict becomes compact JSON, as Shopify sends it."""
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _triggered_at_text(moment: datetime | str | None) -> str:
    if isinstance(moment, str):
        return moment
    when = (moment or datetime.now(UTC)).astimezone(UTC)
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z")


def post_webhook(
    url: str,
    *,
    shop: str,
    topic: str,
    body: Mapping[str, Any] | bytes,
    secret: str,
    api_version: str = DEFAULT_API_VERSION,
    event_id: str | None = None,
    webhook_id: str | None = None,
    triggered_at: datetime | str | None = None,
    hmac_override: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    timeout: float = DELIVERY_TIMEOUT_SECONDS,
) -> requests.Response:
    """POST one signed delivery to ``url``; ``hmac_override`` sends a chosen (bad) signature."""
    raw = encode_payload(body)
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": _triggered_at_text(triggered_at),
        "X-Shopify-Hmac-Sha256": (
            hmac_override if hmac_override is not None else sign_webhook_body(raw, secret)
        ),
        "User-Agent": "Shopify-Captain-Hook",
    }
    headers.update(extra_headers or {})
    http = session or requests
    return http.post(url, data=raw, headers=headers, timeout=timeout, allow_redirects=False)


class DeliveryIds(TypedDict, total=False):
    """The ids and time of a delivery that callers may fix (see :meth:`WebhookSender.deliver`)."""

    event_id: str | None
    webhook_id: str | None
    triggered_at: datetime | str | None


@dataclass(frozen=True)
class Delivery:
    """One webhook to send; ids left out are fixed once, so duplicates share them."""

    shop: str
    topic: str
    payload: Mapping[str, Any] | bytes
    event_id: str | None = None
    webhook_id: str | None = None
    triggered_at: datetime | str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)


class WebhookSender:
    """Sends signed webhooks to ``{app_url}/webhooks``.

    With ``standin_url`` each customer or order payload is first recorded in that stand-in's
    fake shop, so later Admin API calls about the same customer (tags, discount codes) find
    it there, as they would in the real shop that sent the webhook.
    """

    def __init__(
        self,
        app_url: str,
        api_secret: str,
        api_version: str = DEFAULT_API_VERSION,
        *,
        standin_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float = DELIVERY_TIMEOUT_SECONDS,
    ) -> None:
        self.url = app_url.rstrip("/") + "/webhooks"
        self._secret = api_secret
        self.api_version = api_version
        self.standin_url = standin_url.rstrip("/") if standin_url else None
        self.http = session or requests.Session()
        self.timeout = timeout

    def deliver(
        self,
        shop: str,
        topic: str,
        payload: Mapping[str, Any] | bytes,
        *,
        event_id: str | None = None,
        webhook_id: str | None = None,
        triggered_at: datetime | str | None = None,
        hmac_override: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one delivery; fresh uuid4 ids unless given, triggered now unless given."""
        if self.standin_url and not isinstance(payload, bytes):
            self.http.post(
                f"{self.standin_url}/_standin/shops/{shop}/record",
                json={"topic": topic, "payload": dict(payload)},
                timeout=self.timeout,
            ).raise_for_status()
        return post_webhook(
            self.url,
            shop=shop,
            topic=topic,
            body=payload,
            secret=self._secret,
            api_version=self.api_version,
            event_id=event_id,
            webhook_id=webhook_id,
            triggered_at=triggered_at,
            hmac_override=hmac_override,
            extra_headers=extra_headers,
            session=self.http,
            timeout=self.timeout,
        )

    def deliver_many(
        self,
        deliveries: Iterable[Delivery],
        *,
        duplicates: int = 0,
        shuffle: bool = False,
        rng: random.Random | None = None,
    ) -> list[tuple[Delivery, requests.Response]]:
        """Send each delivery ``1 + duplicates`` times (same body and ids, like Shopify's
        retries), optionally in shuffled order; returns each sent delivery with its answer.
        """
        fixed = [
            replace(
                d,
                event_id=d.event_id or str(uuid.uuid4()),
                webhook_id=d.webhook_id or str(uuid.uuid4()),
                triggered_at=_triggered_at_text(d.triggered_at),
            )
            for d in deliveries
        ]
        queue = [d for d in fixed for _ in range(1 + max(0, duplicates))]
        if shuffle:
            (rng or random.Random()).shuffle(queue)
        return [
            (
                d,
                self.deliver(
                    d.shop,
                    d.topic,
                    d.payload,
                    event_id=d.event_id,
                    webhook_id=d.webhook_id,
                    triggered_at=d.triggered_at,
                    extra_headers=d.extra_headers,
                ),
            )
            for d in queue
        ]
