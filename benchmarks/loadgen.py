"""A small HTTP/1.1 load generator on asyncio: prepared requests, kept-alive connections.

Requests are prepared as raw bytes before the clock starts (signing is not measured), and
sent over ``connections`` persistent connections to 127.0.0.1 only. Two ways to drive:

- ``saturate``: every connection sends its next request as soon as the last answered
  (closed loop): the most the server acknowledges per second;
- ``paced``: requests leave at a fixed rate whatever the server does (open loop); latency is
  measured from the moment a request was due, so a stalled server cannot hide its queue.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

LOCALHOST = "127.0.0.1"


@dataclass(frozen=True)
class Prepared:
    """One request as bytes on the wire."""

    data: bytes


def prepare(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Prepared:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return Prepared(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


@dataclass(frozen=True)
class Figures:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.per_second, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
            "statuses": dict(sorted(self.statuses.items())),
        }


class _Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: Prepared) -> int:
        """Send one request and read its whole answer; returns the status code."""
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(LOCALHOST, self.port)
        self.writer.write(request.data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _saturate(
    port: int, requests: Sequence[Prepared], connections: int, seconds: float
) -> Figures:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    next_index = 0
    deadline = time.perf_counter() + seconds

    async def run(connection: _Connection) -> None:
        nonlocal next_index, errors
        while next_index < len(requests) and time.perf_counter() < deadline:
            request = requests[next_index]
            next_index += 1
            started = time.perf_counter()
            try:
                status = await connection.send(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                connection.close()
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

    pool = [_Connection(port) for _ in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(*(run(connection) for connection in pool))
    elapsed = time.perf_counter() - started
    for connection in pool:
        connection.close()
    return Figures(len(latencies), errors, elapsed, latencies, statuses)


async def _paced(
    port: int, requests: Sequence[Prepared], rate: float, seconds: float, connections: int
) -> Figures:
    count = min(len(requests), int(rate * seconds))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(_Connection(port))
    started = time.perf_counter()

    async def one(index: int) -> None:
        nonlocal errors
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        connection = await idle.get()
        try:
            status = await connection.send(requests[index])
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            errors += 1
            connection.close()
        finally:
            idle.put_nowait(connection)

    await asyncio.gather(*(one(index) for index in range(count)))
    elapsed = time.perf_counter() - started
    while not idle.empty():
        idle.get_nowait().close()
    return Figures(len(latencies), errors, elapsed, latencies, statuses)


def saturate(
    port: int, requests: Sequence[Prepared], *, connections: int, seconds: float
) -> Figures:
    """Send as fast as answers come back, for at most ``seconds`` and ``len(requests)``."""
    return _run_apart(_saturate(port, requests, connections, seconds))


def paced(
    port: int, requests: Sequence[Prepared], *, rate: float, seconds: float, connections: int = 64
) -> Figures:
    """Send ``rate`` requests a second for ``seconds`` (at most ``len(requests)``)."""
    return _run_apart(_paced(port, requests, rate, seconds, connections))


def _run_apart(work: Coroutine[Any, Any, Figures]) -> Figures:
    """Run ``work`` on an event loop of its own thread, so the load generator works the same
    when its caller already has a loop running (a test runner, a notebook)."""
    outcome: list[Figures] = []
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            outcome.append(asyncio.run(work))
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    thread = threading.Thread(target=drive, name="loadgen")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
