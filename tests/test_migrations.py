"""The migrations build the schema the models describe, and the command runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, pool, text

from shopify_loyalty.cli import main
from shopify_loyalty.migrate import schema_drift
from shopify_loyalty.models import Base


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    assert schema_drift(database_url) == []


def test_migrate_command_brings_a_fresh_database_to_head(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    monkeypatch.setenv("SHOPIFY_API_KEY", "key")
    monkeypatch.setenv("SHOPIFY_API_SECRET", "secret")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LOYALTY_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    first = runner.invoke(main, ["migrate"])
    again = runner.invoke(main, ["migrate"])
    assert first.exit_code == 0, first.output
    assert again.exit_code == 0, again.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert schema_drift(url) == []


def test_migrate_without_credentials_names_the_variable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SHOPIFY_API_KEY", raising=False)
    monkeypatch.setenv("SHOPIFY_API_SECRET", "secret")
    monkeypatch.setenv("LOYALTY_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 1
    assert "configuration: SHOPIFY_API_KEY: is required" in result.output


def test_delivery_bodies_are_compressed_with_lz4_where_postgresql_has_it(
    database_url: str,
) -> None:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no column compression")
    with engine.connect() as connection:
        has_lz4 = connection.scalar(
            text(
                "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
                " AND 'lz4' = ANY(enumvals)"
            )
        )
        method = connection.scalar(
            text(
                "SELECT attcompression FROM pg_attribute"
                " WHERE attrelid = 'webhook_events'::regclass AND attname = 'payload'"
            )
        )
    engine.dispose()
    assert method == ("l" if has_lz4 else "")
