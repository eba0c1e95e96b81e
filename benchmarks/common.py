"""What every benchmark shares: the machine, a local database, servers started and stopped."""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import urlopen

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, pool, select, text
from sqlalchemy.engine import make_url

from shopify_loyalty.migrate import upgrade
from shopify_loyalty.services import Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.shops.models import INSTALLED, Shop

ROOT = Path(__file__).resolve().parent.parent
SHOP = "bench-loyalty.myshopify.com"
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/loyalty_bench_big"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": load_average(),
    }


def require_local(database_url: str) -> None:
    """Benchmarks write and drop a lot: only a database on this machine is accepted."""
    parsed = urlparse(database_url.replace("+psycopg", ""))
    if database_url.startswith("sqlite"):
        return
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"benchmarks talk only to 127.0.0.1, not {parsed.hostname}")


def bench_environment(database_url: str, instance: Path) -> dict[str, str]:
    """The app's configuration for a benchmark run, with generated secrets."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SHOPIFY_", "LOYALTY_", "REDIS_", "DATABASE_"))
    }
    env.update(
        SHOPIFY_API_KEY=secrets.token_hex(8),
        SHOPIFY_API_SECRET=secrets.token_hex(16),
        DATABASE_URL=database_url,
        LOYALTY_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        LOYALTY_INSTANCE_PATH=str(instance),
        LOYALTY_WORKER="off",
        SHOPIFY_ADMIN_URL="http://127.0.0.1:9/{shop}",
        PYTHONPATH=str(ROOT),
    )
    return env


@contextmanager
def bench_services(database_url: str) -> Iterator[tuple[Services, dict[str, str]]]:
    """A migrated local database and the app's services, under a throwaway instance folder."""
    require_local(database_url)
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
        env = bench_environment(database_url, Path(folder))
        settings = load_settings(env)
        upgrade(settings.database_url)
        services = Services.from_settings(settings)
        try:
            yield services, env
        finally:
            services.db.dispose()


def empty_tables(services: Services, *tables: str) -> None:
    """Start from nothing: the tables a benchmark fills (with what depends on them)."""
    with services.db.engine.begin() as connection:
        if services.db.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (our table names)


def ensure_shop(services: Services, domain: str = SHOP) -> int:
    """An installed shop (its token is never used: nothing talks to Shopify here)."""
    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == domain))
        if shop is None:
            shop = Shop(
                domain=domain,
                install_method="custom_app",
                status=INSTALLED,
                access_token_encrypted=services.cipher.encrypt("shpat_bench"),
            )
            session.add(shop)
            session.flush()
        return shop.id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, timeout: float = 60.0
) -> Iterator[int]:
    """Run a server command until the block ends; waits for ``/healthz`` to answer."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"{command[2:4]} exited: {error[-2000:]}")
            try:
                with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_server(env: dict[str, str], port: int, workers: int, threads: int) -> Any:
    command = [sys.executable, "-m", "shopify_loyalty", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    return server(command, env, port)


def emit(result: dict[str, Any], json_path: str | None) -> None:
    """Print the figures, and keep them as JSON when asked."""
    print(json.dumps(result, indent=2, default=str))
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2, default=str) + "\n")


def script_parser(description: str | None) -> argparse.ArgumentParser:
    """The command line of a benchmark script, with the ``--json`` every one of them takes."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", help="also write the figures to this file")
    return parser


def run_script(
    args: argparse.Namespace, run: Callable[[argparse.Namespace], dict[str, Any]]
) -> dict[str, Any]:
    """Measure, print the figures (and keep them as JSON when asked), and return them."""
    result = run(args)
    emit(result, args.json)
    return result


def reset_database(url: str) -> None:
    """Start from an empty, migrated database."""
    require_local(url)
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database:
            Path(database).unlink(missing_ok=True)
        upgrade(url)
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
