"""``shopify-loyalty serve``: the WSGI app ``shopify_loyalty:create_app()`` under gunicorn.

gunicorn forks ``workers`` web processes with ``threads`` threads each (the ``gthread``
worker). None of them runs the inbox worker: with ``REDIS_URL`` set the web processes only
store and enqueue and Celery applies the events; without it the master supervises one
``shopify-loyalty worker`` process (unless ``LOYALTY_WORKER=off``, when the operator runs
it elsewhere).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from shopify_loyalty.serving.inbox_process import InboxWorkerProcess
from shopify_loyalty.settings import Settings
from shopify_loyalty.workers.collector import settle_collector

GRACEFUL_TIMEOUT_SECONDS = 20
REQUEST_TIMEOUT_SECONDS = 30


def runs_inbox_worker_process(settings: Settings) -> bool:
    """Whether ``serve`` itself keeps the one inbox worker process running."""
    return settings.redis_url is None and settings.worker_mode == "thread"


def gunicorn_options(
    *, host: str, port: int, workers: int, threads: int, access_log: bool = False
) -> dict[str, Any]:
    """The gunicorn configuration ``serve`` uses (the ingest benchmark reuses it)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "keepalive": 5,
        "accesslog": "-" if access_log else None,
        "proc_name": "shopify-loyalty",
        # gunicorn 25+ opens a control socket in the home folder; nothing here uses it,
        # and two servers on one machine would fight over it.
        "control_socket_disable": True,
        "post_worker_init": settle_loaded_process,
    }


def settle_loaded_process(_worker: Any) -> None:
    """Once a web process has loaded the app: its collector set as a worker's is, so the
    requests' short-lived objects are not paid for with walks of the whole application
    (the slowest requests were those a full collection landed in)."""
    settle_collector()


def apply_options(config: Any, options: dict[str, Any]) -> None:
    """Set the options this gunicorn knows (older ones lack some), skipping unset ones."""
    for key, value in options.items():
        if value is not None and key in config.settings:
            config.set(key, value)


class LoyaltyArbiter(Arbiter):
    """gunicorn's master, which also keeps the inbox worker process alive."""

    inbox: InboxWorkerProcess | None = None

    def start(self) -> None:
        super().start()
        if self.inbox is not None:
            self.inbox.start()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.inbox is not None:
            self.inbox.keep_running()

    def stop(self, graceful: bool = True) -> None:
        super().stop(graceful)
        if self.inbox is not None:
            self.inbox.stop()


class LoyaltyServer(BaseApplication):
    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        workers: int,
        threads: int,
        access_log: bool = False,
    ) -> None:
        self.settings = settings
        self.options = gunicorn_options(
            host=host, port=port, workers=workers, threads=threads, access_log=access_log
        )
        super().__init__()

    def load_config(self) -> None:
        apply_options(self.cfg, self.options)

    def load(self) -> Flask:
        from shopify_loyalty.app import create_app

        # The web processes report the worker as external: it runs beside them, not inside.
        web_settings = dataclasses.replace(self.settings, worker_mode="off")
        return create_app(web_settings, start_worker=False)

    def run(self) -> None:
        arbiter = LoyaltyArbiter(self)
        if runs_inbox_worker_process(self.settings):
            arbiter.inbox = InboxWorkerProcess()
        arbiter.run()
