"""The process-wide services a request, a command or a worker job is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from shopify_loyalty.crypto import TokenCipher
from shopify_loyalty.db import Database
from shopify_loyalty.settings import Settings

if TYPE_CHECKING:
    from redis import Redis

    from shopify_loyalty.inbox.group_commit import GroupCommit
    from shopify_loyalty.inbox.worker import InboxWorker
    from shopify_loyalty.workers.dispatch import Dispatcher

EXTENSION_KEY = "shopify_loyalty"


@dataclass
class Services:
    settings: Settings
    db: Database
    cipher: TokenCipher
    worker: InboxWorker | None = field(default=None)
    dispatcher: Dispatcher | None = field(default=None)
    _redis: Redis | None = field(default=None, repr=False)
    _inbox: GroupCommit | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        services = cls(
            settings=settings,
            db=Database(
                settings.database_url,
                settings.db_pool,
                busy_timeout_seconds=settings.sqlite_busy_timeout_seconds,
            ),
            cipher=TokenCipher(settings.encryption_keys),
        )
        if settings.redis_url:
            from shopify_loyalty.workers.dispatch import CeleryDispatcher

            services.dispatcher = CeleryDispatcher(settings.redis_url)
            services.dispatcher.watch(services.db)
        return services

    @property
    def redis(self) -> Redis | None:
        """A client of ``REDIS_URL`` (connections pooled), or None without Redis."""
        if self.settings.redis_url is None:
            return None
        if self._redis is None:
            from redis import Redis

            self._redis = Redis.from_url(self.settings.redis_url, health_check_interval=30)
        return self._redis

    @property
    def inbox(self) -> GroupCommit:
        """Where the receiver stores deliveries: batched with those arriving alongside, and
        announced to the Celery workers (with ``REDIS_URL``)."""
        if self._inbox is None:
            from shopify_loyalty.inbox.group_commit import GroupCommit

            self._inbox = GroupCommit(self.db, dispatcher=self.dispatcher)
        return self._inbox

    def reset_redis(self) -> None:
        """Forget the Redis client (after a fork its connections belong to the parent)."""
        self._redis = None


# Flask is imported where a request needs it: the workers and the commands load this module
# without the web framework.


def current_services() -> Services:
    from flask import current_app

    services: Services = current_app.extensions[EXTENSION_KEY]
    return services


def request_session() -> Session:
    """The request's database session, closed (and rolled back if open) at teardown."""
    from flask import g

    if "db_session" not in g:
        g.db_session = current_services().db.sessions()
    session: Session = g.db_session
    return session


def close_request_session(_error: BaseException | None = None) -> None:
    from flask import g

    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
