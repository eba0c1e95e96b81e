"""Sending through the shop's own SMTP server, against a local SMTP server: settings with
a write-only, encrypted password, a login, and retries while the server is down."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select, update

from shopify_loyalty.jobs.models import Job
from shopify_loyalty.notifications.models import NotificationMessage
from shopify_loyalty.programs.models import ProgramConfig
from shopify_loyalty.services import Services
from tests.conftest import new_id
from tests.notifications.conftest import Deliver, Outbox, member_payload

USER, PASSWORD = "mailer", "s3cret-pass"


@dataclass
class Mailbox:
    """What the local SMTP server received: envelopes, parsed emails and logins."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def use_smtp(
    http: requests.Session, headers: dict[str, str], port: int, **changes: Any
) -> requests.Response:
    settings = {
        "enabled": True,
        "from_address": "rewards@loyal-goods.example",
        "from_name": "Loyal Goods Rewards",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_user": USER,
        "smtp_password": PASSWORD,
        "starttls": False,
        **changes,
    }
    return http.put("/admin/api/notifications/email", json=settings, headers=headers)


def test_emails_go_through_the_shops_smtp_server_with_its_login(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server
    response = use_smtp(http, admin_headers, port)
    assert response.status_code == 200, response.text
    assert response.json()["settings"] == {
        "enabled": True,
        "from_address": "rewards@loyal-goods.example",
        "from_name": "Loyal Goods Rewards",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_user": USER,
        "starttls": False,
        "smtp_password_set": True,
    }
    with services.db.sessions() as session:
        stored = session.scalars(
            select(ProgramConfig.data).where(ProgramConfig.section == "email")
        ).one()
    assert PASSWORD not in stored

    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))

    assert mailbox.logins == [(USER, PASSWORD)]
    [(sender, recipients, email)] = mailbox.received
    assert sender == "rewards@loyal-goods.example"
    assert recipients == [f"shopper-{customer_id}@example.com"]
    assert email["From"] == "Loyal Goods Rewards <rewards@loyal-goods.example>"
    assert email["Subject"] == "Welcome to the Loyal Goods rewards program"
    assert email.get_body(preferencelist=("plain",)) is not None
    assert email.get_body(preferencelist=("html",)) is not None
    assert outbox.emails() == []


def test_a_send_is_retried_until_the_smtp_server_answers(
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    services: Services,
    settle: Callable[..., None],
    smtp_server: tuple[Mailbox, int],
    messages: Callable[[], list[NotificationMessage]],
) -> None:
    mailbox, port = smtp_server
    assert use_smtp(http, admin_headers, free_port()).status_code == 200
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))

    with services.db.sessions() as session:
        job = session.scalars(select(Job).where(Job.kind == "notifications.send")).one()
        assert (job.status, job.attempts) == ("pending", 1)
        assert job.last_error is not None and "ConnectionRefusedError" in job.last_error
    [message] = messages()
    assert message.status == "queued"

    # The merchant fixes the port; the retry, once due, sends the message once.
    assert use_smtp(http, admin_headers, port).status_code == 200
    with services.db.transaction() as session:
        session.execute(update(Job).where(Job.id == job.id).values(next_attempt_at=job.created_at))
    settle()

    assert len(mailbox.received) == 1
    [message] = messages()
    assert (message.status, message.attempts) == ("sent", 2)


def test_email_settings_are_validated_and_the_password_never_shown(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    missing = http.put(
        "/admin/api/notifications/email", json={"enabled": True}, headers=admin_headers
    )
    assert missing.status_code == 400
    assert missing.json()["field"] == "from_address"
    bad_port = use_smtp(http, admin_headers, 70000)
    assert bad_port.status_code == 400
    assert bad_port.json() == {
        "error": "invalid",
        "message": "smtp_port must be a whole number from 1 to 65535",
        "field": "smtp_port",
    }
    direct = http.put(
        "/admin/api/notifications/email",
        json={"smtp_password_encrypted": "x"},
        headers=admin_headers,
    )
    assert (direct.status_code, direct.json()["field"]) == (400, "smtp_password_encrypted")
    assert http.get("/admin/api/notifications/email").status_code == 401

    shown = http.get("/admin/api/notifications/email", headers=admin_headers)
    assert shown.status_code == 200
    assert shown.json()["settings"]["enabled"] is False
    assert shown.json()["settings"]["smtp_password_set"] is False
