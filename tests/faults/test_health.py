"""``/healthz`` says what is degraded, per component: worker processes by their heartbeat,
the Redis broker when one is configured."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from tests.faults.conftest import WorkerProcess, wait_until
from tests.live_server import LiveServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_with_external_workers_health_follows_their_heartbeats(
    shop: str,
    other_app: Callable[..., LiveServer],
    worker_processes: Callable[..., WorkerProcess],
    stop_in_process_worker: Callable[[], None],
) -> None:
    stop_in_process_worker()
    client = other_app(LOYALTY_WORKER="off").client()

    alone = client.get("/healthz")
    assert alone.status_code == 200  # the web process itself can serve
    worker = alone.json()["worker"]
    assert (worker["status"], worker["in_process"], worker["processes"]) == (
        "degraded",
        "external",
        [],
    )
    assert worker["problems"] == ["no worker has reported in the last 60 seconds"]
    assert "worker" in alone.json()["degraded"]

    process = worker_processes()

    def reported() -> dict[str, Any] | None:
        body: dict[str, Any] = client.get("/healthz").json()
        return body if body["worker"]["processes"] else None

    body = wait_until(reported, 20, "the worker process to beat")
    [beat] = body["worker"]["processes"]
    assert (beat["pid"], beat["error"]) == (process.process.pid, None)
    assert body["worker"]["status"] == "ok"

    process.stop()  # a clean stop takes its heartbeat away
    assert client.get("/healthz").json()["worker"]["processes"] == []


def test_the_broker_is_reported_when_redis_url_is_set(
    other_app: Callable[..., LiveServer],
) -> None:
    up = other_app(LOYALTY_WORKER="off", REDIS_URL="redis://127.0.0.1:6379/8").client()
    assert up.get("/healthz").json()["broker"] == {"status": "ok"}

    down_url = f"redis://127.0.0.1:{free_port()}/8"
    down = other_app(LOYALTY_WORKER="off", REDIS_URL=down_url).client().get("/healthz")
    assert down.status_code == 200
    assert down.json()["broker"] == {
        "status": "unavailable",
        "error": "unreachable: ConnectionRefusedError",
    }
    assert "broker" in down.json()["degraded"]
