"""The process-wide services a request, a command or a worker job is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.orm import Session

from shopify_loyalty.crypto import TokenCipher
from shopify_loyalty.db import Database
from shopify_loyalty.settings import Settings

if TYPE_CHECKING:
    from shopify_loyalty.inbox.worker import InboxWorker

EXTENSION_KEY = "shopify_loyalty"


@dataclass
class Services:
    settings: Settings
    db: Database
    cipher: TokenCipher
    worker: InboxWorker | None = field(default=None)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(
                settings.database_url,
                busy_timeout_seconds=settings.sqlite_busy_timeout_seconds,
            ),
            cipher=TokenCipher(settings.encryption_keys),
        )


def current_services() -> Services:
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services


def request_session() -> Session:
    """The request's database session, closed (and rolled back if open) at teardown."""
    if "db_session" not in g:
        g.db_session = current_services().db.sessions()
    session: Session = g.db_session
    return session


def close_request_session(_error: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
