"""The single inbox worker process that ``serve`` keeps running beside its web processes.

Without Redis the inbox is applied by ``shopify-loyalty worker``. Under gunicorn the web
processes never start a worker of their own; the gunicorn master starts exactly one worker
process and starts it again if it dies, so events are applied in one place however many web
processes there are. Claims are leases, so a second worker elsewhere would still be safe.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 15.0


class InboxWorkerProcess:
    """Starts ``python -m shopify_loyalty worker`` and keeps it running until stopped."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "shopify_loyalty", "worker"]
        self._process: subprocess.Popen[bytes] | None = None
        self._last_start = 0.0
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._process = subprocess.Popen(self.command)  # noqa: S603 (our own interpreter)
        self._last_start = time.monotonic()
        self.starts += 1
        log.info("inbox worker process %s started", self._process.pid)

    def keep_running(self) -> None:
        """Start the worker again if it has exited (gunicorn's master may have reaped it)."""
        if self._process is None or self._process.poll() is None:
            return
        if time.monotonic() - self._last_start < RESTART_PAUSE_SECONDS:
            return
        log.warning("inbox worker process %s exited; starting another", self._process.pid)
        self.start()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
