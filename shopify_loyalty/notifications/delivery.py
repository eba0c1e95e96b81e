"""Handing a rendered email over: an ``.eml`` file in the shop's outbox folder, or SMTP.

The file name and the Message-ID come from the message's id, so a retried send rewrites
the same file (written to a temporary name, then renamed) instead of adding a second one.
"""

from __future__ import annotations

import os
import shutil
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from shopify_loyalty.db import utcnow
from shopify_loyalty.notifications.rendering import RenderedEmail

SMTP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Envelope:
    message_id: int
    shop_domain: str
    sender_name: str
    sender_address: str
    recipient: str
    unsubscribe_url: str | None


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    starttls: bool


def build_email(envelope: Envelope, rendered: RenderedEmail) -> EmailMessage:
    """A multipart/alternative email: the plain-text part first, the HTML part preferred."""
    email = EmailMessage()
    email["Subject"] = rendered.subject
    email["From"] = formataddr((envelope.sender_name, envelope.sender_address))
    email["To"] = envelope.recipient
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = f"<loyalty-{envelope.message_id}@{envelope.shop_domain}>"
    if envelope.unsubscribe_url:
        # RFC 8058 one-click unsubscribe: mail clients POST to the same link.
        email["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


def outbox_folder(instance_path: Path, shop_domain: str) -> Path:
    return Path(instance_path) / "outbox" / shop_domain


def outbox_file(folder: Path, message_id: int, kind: str) -> Path:
    return folder / f"{message_id:08d}-{kind}.eml"


def delete_shop_outbox(instance_path: Path, shop_domain: str) -> None:
    shutil.rmtree(outbox_folder(instance_path, shop_domain), ignore_errors=True)


def write_to_outbox(folder: Path, message_id: int, kind: str, email: EmailMessage) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = outbox_file(folder, message_id, kind)
    partial = target.with_suffix(".eml.partial")
    partial.write_bytes(email.as_bytes())
    os.replace(partial, target)
    return target


def send_by_smtp(server: SmtpServer, email: EmailMessage) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT) as connection:
        connection.ehlo()
        if server.starttls:
            connection.starttls()
            connection.ehlo()
        if server.user:
            connection.login(server.user, server.password)
        connection.send_message(email)
