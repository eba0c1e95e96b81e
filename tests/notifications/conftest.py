"""Fixtures for the notification tests: signed deliveries, members with or without marketing
consent, and the emails the app wrote to the shop's outbox folder, parsed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from shopify_loyalty.notifications.models import NotificationMessage
from shopify_loyalty.points.rules import add_months
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id, sample

Deliver = Callable[..., requests.Response]


@pytest.fixture
def deliver(sender: WebhookSender, settle: Callable[..., None], shop: str) -> Deliver:
    """Send a signed webhook to the installed shop and wait until it and its jobs ran."""

    def send(topic: str, payload: dict[str, Any], **ids: Any) -> requests.Response:
        response = sender.deliver(shop, topic, payload, **ids)
        assert response.status_code == 200, response.text
        settle()
        return response

    return send


@pytest.fixture
def admin_headers(session_token: Callable[..., str], shop: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {session_token(shop)}"}


def consent(state: str, updated_at: str = "2026-11-20T13:58:02+01:00") -> dict[str, Any]:
    return {"state": state, "opt_in_level": "single_opt_in", "consent_updated_at": updated_at}


def member_payload(
    customer_id: int, *, locale: str = "de", subscribed: bool = True, **changes: Any
) -> dict[str, Any]:
    """A customers/create payload in the pre-2025-01 shape, with the marketing consent."""
    fields: dict[str, Any] = {
        "id": customer_id,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "email": f"shopper-{customer_id}@example.com",
        "locale": locale,
        "email_marketing_consent": consent("subscribed" if subscribed else "not_subscribed"),
    }
    return sample("customers/create", **{**fields, **changes})


@dataclass(frozen=True)
class ExpiringPoints:
    """A member whose 100 signup points expire at ``ends``; the reminder is due at
    ``remind_at``, 30 days before."""

    customer_id: int
    ends: datetime
    remind_at: datetime


@pytest.fixture
def member_with_expiring_points(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> Callable[[], ExpiringPoints]:
    """Points expire after 6 months with a reminder 30 days ahead; a new member joins."""

    def make() -> ExpiringPoints:
        response = http.put(
            "/admin/api/settings/points",
            json={"expiry_months": 6, "expiry_reminder_days": 30},
            headers=admin_headers,
        )
        assert response.status_code == 200, response.text
        customer_id = new_id()
        deliver("customers/create", member_payload(customer_id, locale="en"))
        view = http.get(f"/admin/api/customers/{customer_id}", headers=admin_headers).json()
        ends = add_months(datetime.fromisoformat(view["ledger"][0]["created_at"]), 6)
        return ExpiringPoints(customer_id, ends, ends - timedelta(days=30))

    return make


@dataclass(frozen=True)
class Sent:
    """One email from the outbox folder, parsed."""

    path: Path
    email: EmailMessage

    @property
    def kind(self) -> str:
        return self.path.stem.split("-", 1)[1]

    @property
    def text(self) -> str:
        part = self.email.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.email.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())


@dataclass
class Outbox:
    folder: Path

    def emails(self) -> list[Sent]:
        if not self.folder.exists():
            return []
        parser = BytesParser(policy=policy.default)
        return [
            Sent(path, parser.parsebytes(path.read_bytes()))
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[Sent]:
        return [sent for sent in self.emails() if sent.email["To"] == address]


@pytest.fixture
def outbox(services: Services, shop: str) -> Outbox:
    """The shop's outbox folder, emptied: ids restart with the emptied tables."""
    folder = services.settings.instance_path / "outbox" / shop
    shutil.rmtree(services.settings.instance_path / "outbox", ignore_errors=True)
    return Outbox(folder)


@pytest.fixture
def messages(services: Services, shop: str) -> Callable[[], list[NotificationMessage]]:
    """The shop's message rows, oldest first."""

    def read() -> list[NotificationMessage]:
        with services.db.sessions() as session:
            return list(
                session.scalars(
                    select(NotificationMessage)
                    .join(Shop, Shop.id == NotificationMessage.shop_id)
                    .where(Shop.domain == shop)
                    .order_by(NotificationMessage.id)
                )
            )

    return read


def shop_name(services: Services, shop: str) -> str:
    with services.db.sessions() as session:
        row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        return row.name or row.domain
