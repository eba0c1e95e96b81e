"""Celery workers on the real local Redis, in subprocesses, against the test database.

A second live app is built with ``REDIS_URL`` (the web side only enqueues); the session's
in-process worker is paused so that only the Celery workers apply events. Redis is
``LOYALTY_TEST_REDIS_URL`` (default DB 6 of the local server), emptied before each test.
The workers need PostgreSQL (several processes, row and advisory locks).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from shopify_loyalty.app import create_app
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.inbox.models import DONE, WebhookEvent
from shopify_loyalty.points.ledger import Balance, balance_of
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import API_KEY, API_SECRET
from tests.live_server import LiveServer

DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/6"
COMMAND = Path(sys.executable).parent / "shopify-loyalty"


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("LOYALTY_TEST_REDIS_URL", "").strip() or DEFAULT_TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {url} is needed for the worker tests: {error}")
    return url


@pytest.fixture(autouse=True)
def _needs_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("Celery workers run on PostgreSQL (LOYALTY_TEST_DATABASE_URL)")


@pytest.fixture
def broker(redis_url: str) -> redis.Redis:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


@pytest.fixture
def worker_environ(
    services: Services, standin: StandinServer, redis_url: str, tmp_path: Path
) -> dict[str, str]:
    """The environment of the Celery app and its workers: the test app's, plus Redis."""
    settings = services.settings
    return {
        **os.environ,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "APP_URL": settings.app_url,
        "DATABASE_URL": settings.database_url,
        "LOYALTY_ENCRYPTION_KEY": ",".join(settings.encryption_keys),
        "SHOPIFY_ADMIN_URL": standin.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": redis_url,
        "LOYALTY_WORKER": "off",
        "LOYALTY_DB_POOL_SIZE": "2",
    }


@pytest.fixture
def thread_worker_paused(services: Services) -> Iterator[None]:
    """Stop the session app's in-process worker so only Celery workers apply events."""
    worker = services.worker
    if worker is not None:
        worker.stop()
    yield
    if worker is not None:
        worker.start()


@pytest.fixture
def celery_app_server(
    worker_environ: dict[str, str], thread_worker_paused: None, broker: redis.Redis
) -> Iterator[LiveServer]:
    """The app with REDIS_URL on its own port: ``POST /webhooks`` stores and enqueues."""
    server = LiveServer()
    environ = {**worker_environ, "APP_URL": server.url}
    app = create_app(load_settings(environ))
    server.start(app)
    yield server
    server.stop()
    app_services: Services = app.extensions[EXTENSION_KEY]
    app_services.db.dispose()


@pytest.fixture
def celery_sender(celery_app_server: LiveServer) -> WebhookSender:
    return WebhookSender(celery_app_server.url, API_SECRET)


class WorkerProcess:
    """``shopify-loyalty worker`` (or ``command``, such as ``beat``) in a subprocess with its
    own process group."""

    def __init__(
        self, environ: dict[str, str], log: Path, *args: str, command: str = "worker"
    ) -> None:
        self.log = log
        self._handle = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603  (our own console script)
            [str(COMMAND), command, *args],
            env=environ,
            stdout=self._handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its children), as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._handle.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._handle.close()


@pytest.fixture
def start_worker(
    worker_environ: dict[str, str], tmp_path: Path, celery_app_server: LiveServer
) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(*args: str, ready: bool = True) -> WorkerProcess:
        log = tmp_path / f"worker-{len(started)}.log"
        worker = WorkerProcess(worker_environ, log, *args)
        started.append(worker)
        if ready:
            worker.wait_ready()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def applied(services: Services) -> Callable[..., None]:
    """Wait until ``count`` events are done (the workers applied them)."""

    def wait(count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        done = 0
        while time.monotonic() < deadline:
            with services.db.sessions() as session:
                done = session.scalar(select(func.count()).where(WebhookEvent.status == DONE)) or 0
            if done >= count:
                return
            time.sleep(0.1)
        raise AssertionError(
            f"{done} of {count} events applied in {timeout} s: {statuses(services)}"
        )

    return wait


def statuses(services: Services) -> dict[str, Any]:
    with services.db.sessions() as session:
        rows = session.execute(
            select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)
        ).all()
    return {status: count for status, count in rows}


@pytest.fixture
def points_of(services: Services, shop: str) -> Callable[[int], Balance]:
    """A customer's balance as the ledger has it (zero for a customer not yet seen)."""

    def read(shopify_customer_id: int) -> Balance:
        with services.db.sessions() as session:
            shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
            customer = find_customer(session, shop_row, shopify_customer_id)
            return balance_of(session, customer) if customer else Balance(0, 0)

    return read
