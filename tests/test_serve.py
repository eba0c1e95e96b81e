"""``shopify-loyalty serve`` under gunicorn: web processes, and exactly one inbox worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import requests
from sqlalchemy import select

from benchmarks.common import bench_environment, ensure_shop, free_port
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.services import Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.shopify.signatures import webhook_signature
from tests.conftest import sample

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def inbox_workers(pid: int) -> list[int]:
    return [child for child in children(pid) if "shopify_loyalty worker" in command_line(child)]


def wait_for(check: Callable[[], T], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


Served = tuple[subprocess.Popen[bytes], int, Services, dict[str, str]]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    if not Path("/proc/self/task").exists():
        pytest.skip("needs /proc to see the server's processes")
    env = bench_environment(database_url, tmp_path) | {"LOYALTY_WORKER": "thread"}
    services = Services.from_settings(load_settings(env))
    ensure_shop(services)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "shopify_loyalty", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(lambda: _answers(port))
        yield server, port, services, env
    finally:
        server.terminate()
        server.wait(30)
        services.db.dispose()


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_serve_runs_web_processes_and_one_worker_that_applies_events(served: Served) -> None:
    server, port, services, env = served
    [worker] = wait_for(lambda: inbox_workers(server.pid))
    web = [child for child in children(server.pid) if child != worker]
    assert len(web) == 2
    body = json.dumps(sample("orders/paid")).encode()
    response = requests.post(
        f"http://127.0.0.1:{port}/webhooks",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "orders/paid",
            "X-Shopify-Shop-Domain": "bench-loyalty.myshopify.com",
            "X-Shopify-Hmac-Sha256": webhook_signature(body, env["SHOPIFY_API_SECRET"]),
            "X-Shopify-Event-Id": "serve-test-event",
        },
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    event_id = response.json()["event"]

    def applied() -> bool:
        with services.db.sessions() as session:
            event = session.scalar(select(WebhookEvent).where(WebhookEvent.id == event_id))
            return event is not None and event.status == "done"

    wait_for(applied)

    def beating() -> list[int]:
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
        return [process["pid"] for process in health["worker"]["processes"]]

    # Workers of other servers on the same database may still show; this one must be among them.
    assert wait_for(lambda: worker in beating())


def test_a_worker_that_dies_is_started_again_and_stops_with_the_server(served: Served) -> None:
    server, _port, _services, _env = served
    [worker] = wait_for(lambda: inbox_workers(server.pid))
    os.kill(worker, signal.SIGKILL)
    [again] = wait_for(lambda: [pid for pid in inbox_workers(server.pid) if pid != worker])
    assert again != worker
    server.terminate()
    assert server.wait(30) == 0
    assert (
        not Path(f"/proc/{again}").exists() or "zombie" in Path(f"/proc/{again}/status").read_text()
    )
