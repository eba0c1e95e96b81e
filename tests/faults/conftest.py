"""Fault fixtures: worker processes to start and kill, a second app on the same database, a
database that a test can take away and give back, and the shop's traffic to replay.

The database goes away the way it does in production: on PostgreSQL the app reaches it
through a TCP proxy that the test closes (connections cut, new ones refused); on SQLite the
test holds the write lock longer than the app's busy timeout (a backup or a stuck writer).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from shopify_loyalty.app import create_app
from shopify_loyalty.models import Base
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.standin.app import StandinServer
from tests.live_server import LiveServer

PROJECT = Path(__file__).resolve().parents[2]
COMMAND = Path(sys.executable).with_name("shopify-loyalty")


def app_environ(services: Services, **overrides: str) -> dict[str, str]:
    """The environment of the live test app, for another process or app on its database."""
    settings = services.settings
    return {
        "SHOPIFY_API_KEY": settings.api_key,
        "SHOPIFY_API_SECRET": settings.api_secret,
        "APP_URL": settings.app_url,
        "DATABASE_URL": settings.database_url,
        "LOYALTY_ENCRYPTION_KEY": ",".join(settings.encryption_keys),
        "SHOPIFY_ADMIN_URL": settings.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(settings.instance_path),
        **overrides,
    }


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class WorkerProcess:
    """A ``shopify-loyalty worker`` subprocess, its output in a log file."""

    def __init__(self, environ: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(COMMAND), "worker"],
            env={**os.environ, **environ},
            cwd=PROJECT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_output(self, needle: str, timeout: float = 20.0) -> None:
        def seen() -> bool:
            if self.process.poll() is not None and needle not in self.output():
                raise AssertionError(f"worker exited early:\n{self.output()}")
            return needle in self.output()

        wait_until(seen, timeout, f"{needle!r} in the worker's output")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer strikes."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()


@pytest.fixture
def worker_processes(services: Services, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """``start(**env)`` runs a worker process on the test database; all stop at the end."""
    started: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        environ = app_environ(services, LOYALTY_WORKER="off", **overrides)
        worker = WorkerProcess(environ, tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def stop_in_process_worker(services: Services) -> Iterator[Callable[[], None]]:
    """``stop()`` halts the live app's worker thread, so only the workers a test starts
    apply events from then on; it runs again after the test."""
    worker = services.worker
    assert worker is not None

    def stop() -> None:
        worker.stop()

    yield stop
    worker.start()


@pytest.fixture
def other_app(services: Services) -> Iterator[Callable[..., LiveServer]]:
    """``build(**env)``: another app served over HTTP on the test database (or wherever the
    overrides point it), like a second web process."""
    servers: list[LiveServer] = []

    def build(**overrides: str) -> LiveServer:
        server = LiveServer()
        environ = app_environ(services, APP_URL=server.url, **overrides)
        server.start(create_app(load_settings(environ)))
        servers.append(server)
        return server

    yield build
    for server in servers:
        other: Services = server.app.extensions[EXTENSION_KEY]
        if other.worker is not None:
            other.worker.stop(timeout=20)
        server.stop()
        other.db.dispose()


class TcpProxy:
    """Forwards a local port to the database server until cut; restoring listens again on
    the same port, so the app's DATABASE_URL stays the same."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class DatabaseOutage:
    """Makes the test database unavailable to an app built with :attr:`environ`."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.environ: dict[str, str] = {}
        self._proxy: TcpProxy | None = None
        self._lock: sqlite3.Connection | None = None
        url = make_url(database_url)
        if url.get_backend_name() == "postgresql":
            self._proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
            self._proxy.open()
            proxied = url.set(host="127.0.0.1", port=self._proxy.port)
            self.environ["DATABASE_URL"] = proxied.render_as_string(hide_password=False)
        else:
            self.environ["LOYALTY_SQLITE_BUSY_TIMEOUT_SECONDS"] = "0.5"

    def cut(self) -> None:
        if self._proxy is not None:
            self._proxy.cut()
            return
        path = urlparse(self.database_url.replace("sqlite:///", "file:///")).path
        self._lock = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._lock.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        if self._proxy is not None:
            self._proxy.open()
        elif self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None


@pytest.fixture
def outage(database_url: str) -> Iterator[DatabaseOutage]:
    cut = DatabaseOutage(database_url)
    yield cut
    cut.restore()
    if cut._proxy is not None:
        cut._proxy.cut()


def start_afresh(
    services: Services, standin: StandinServer, install: Callable[[str], None]
) -> None:
    """Empty every table and the stand-in, then install the shop again: a clean slate in the
    middle of a test, as the suite gives each test."""
    with services.db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
    requests.post(f"{standin.url}/_standin/reset", timeout=5).raise_for_status()
    install("loyal-goods.myshopify.com")
