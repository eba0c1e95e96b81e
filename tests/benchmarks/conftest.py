"""The benchmark scripts run on a database of their own: the suite's app (and its worker)
keeps running on the test database, and must not apply the deliveries a benchmark leaves
in the inbox while another benchmark counts its rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url


@pytest.fixture(scope="session")
def bench_database_url(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite3'}"
        return
    name = f"{url.database}_bench"
    server = create_engine(
        url.set(database="postgres"), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
