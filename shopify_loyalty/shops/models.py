"""The shop row: one per installed (or once installed) Shopify store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopify_loyalty.db import Base, PrimaryKey, UTCDateTime, utcnow

INSTALLED = "installed"
UNINSTALLED = "uninstalled"


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(16), default=INSTALLED)
    install_method: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[str] = mapped_column(Text, default="")
    # Tokens are Fernet ciphertexts; plaintext never reaches the database or a log.
    access_token_encrypted: Mapped[str | None] = mapped_column(Text)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token_encrypted: Mapped[str | None] = mapped_column(Text)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    webhooks_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the app was last uninstalled; kept after a reinstall (see shops/installations.py).
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_installed(self) -> bool:
        return self.status == INSTALLED

    def __repr__(self) -> str:  # never shows tokens
        return f"<Shop {self.domain} {self.status}>"
