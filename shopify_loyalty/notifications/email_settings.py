"""The shop's email settings (section ``email``): how the program's emails leave the app.

Off (the default), every email is written as an ``.eml`` file to the outbox folder in the
instance folder (``instance/outbox/<shop>/``), where the demo shows them. On, they go
through the shop's own SMTP server. The SMTP password is stored encrypted and never shown
again: it is set through ``smtp_password`` on ``PUT /admin/api/notifications/email``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from shopify_loyalty.crypto import TokenCipher
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import load, save, setting, to_json
from shopify_loyalty.shops.models import Shop

EMAIL_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
HOST_NAME = re.compile(r"^[A-Za-z0-9.-]+$")
# Names of settings fields, not secrets.
PASSWORD_FIELD = "smtp_password"  # noqa: S105
STORED_PASSWORD = "smtp_password_encrypted"  # noqa: S105


@dataclass(frozen=True)
class EmailConfig:
    section: ClassVar[str] = "email"

    enabled: bool = setting(False, help="Send through your SMTP server (off: the outbox folder).")
    from_address: str = setting("", max_length=320, help="Sender address, e.g. rewards@shop.com.")
    from_name: str = setting("", max_length=100, help="Sender name; empty uses the shop's name.")
    smtp_host: str = setting("", max_length=255, help="SMTP server host name.")
    smtp_port: int = setting(587, minimum=1, maximum=65535, help="SMTP port, usually 587.")
    smtp_user: str = setting("", max_length=255, help="SMTP user name; empty: no login.")
    smtp_password_encrypted: str = setting("", help="Stored encrypted; set smtp_password.")
    starttls: bool = setting(True, help="Upgrade the connection with STARTTLS.")

    def __post_init__(self) -> None:
        object.__setattr__(self, "from_address", self.from_address.strip())
        object.__setattr__(self, "smtp_host", self.smtp_host.strip())
        if self.from_address and not EMAIL_ADDRESS.fullmatch(self.from_address):
            raise InvalidInput(
                "from_address must be an email address like rewards@example.com",
                field="from_address",
            )
        if self.smtp_host and not HOST_NAME.fullmatch(self.smtp_host):
            raise InvalidInput(
                "smtp_host must be a host name like smtp.example.com", field="smtp_host"
            )
        if self.enabled:
            if not self.from_address:
                raise InvalidInput("from_address is required to send email", field="from_address")
            if not self.smtp_host:
                raise InvalidInput("smtp_host is required to send email", field="smtp_host")


def email_settings(session: Session, shop: Shop) -> EmailConfig:
    return load(session, shop, EmailConfig)


def save_email_settings(
    session: Session, shop: Shop, cipher: TokenCipher, changes: dict[str, Any]
) -> EmailConfig:
    """Validate and store ``changes``; ``smtp_password`` is encrypted (empty clears it) and
    the stored ciphertext can never be set directly."""
    if STORED_PASSWORD in changes:
        raise InvalidInput(
            f"{STORED_PASSWORD} cannot be set; use {PASSWORD_FIELD}", field=STORED_PASSWORD
        )
    values = dict(changes)
    if PASSWORD_FIELD in values:
        password = values.pop(PASSWORD_FIELD)
        if not isinstance(password, str) or len(password) > 255:
            raise InvalidInput(
                f"{PASSWORD_FIELD} must be text of at most 255 characters", field=PASSWORD_FIELD
            )
        values[STORED_PASSWORD] = cipher.encrypt(password) if password else ""
    return save(session, shop, EmailConfig, values)


def public_view(config: EmailConfig) -> dict[str, Any]:
    """The settings as the merchant sees them: the password only as set or not."""
    shown = to_json(config)
    shown.pop(STORED_PASSWORD)
    shown["smtp_password_set"] = bool(config.smtp_password_encrypted)
    return shown
