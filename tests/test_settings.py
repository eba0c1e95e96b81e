"""Configuration: every bad value names its variable; the demo makes its own secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from shopify_loyalty.settings import SettingsError, load_settings


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    base = {
        "SHOPIFY_API_KEY": "key",
        "SHOPIFY_API_SECRET": "secret",
        "LOYALTY_INSTANCE_PATH": str(tmp_path),
    }
    base.update(values)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SHOPIFY_API_KEY", "", "SHOPIFY_API_KEY: is required"),
        ("SHOPIFY_API_SECRET", "", "SHOPIFY_API_SECRET: is required"),
        ("APP_URL", "ftp://example.com", "APP_URL: 'ftp://example.com' is not an http(s) URL"),
        ("SHOPIFY_API_VERSION", "2026-13", "SHOPIFY_API_VERSION: '2026-13' is not a Shopify"),
        ("SHOPIFY_ADMIN_URL", "http://127.0.0.1:8081", "SHOPIFY_ADMIN_URL: must contain"),
        ("DATABASE_URL", "loyalty.db", "DATABASE_URL: 'loyalty.db' is not an SQLAlchemy URL"),
        ("LOYALTY_ENCRYPTION_KEY", "short", "LOYALTY_ENCRYPTION_KEY: key 1 is not a Fernet key"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL: 'localhost:6379' is not a redis:// URL"),
        ("LOYALTY_WORKER", "celery", "LOYALTY_WORKER: must be one of thread, off"),
        ("LOYALTY_RETENTION_DAYS", "1", "LOYALTY_RETENTION_DAYS: 1 is outside the allowed range 3"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(env(tmp_path, **{variable: value}))
    assert str(raised.value).startswith(message)
    assert raised.value.variable == variable


def test_defaults_follow_the_design(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path))
    assert settings.app_url == "http://127.0.0.1:8000"
    assert settings.admin_base_url("a.myshopify.com") == "https://a.myshopify.com"
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'shopify_loyalty.sqlite3'}"
    assert settings.redis_url is None
    assert settings.worker_mode == "thread"


def test_the_encryption_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(env(tmp_path)).encryption_keys
    second = load_settings(env(tmp_path)).encryption_keys
    assert first == second
    assert len(first) == 1
    Fernet(first[0].encode())


def test_several_keys_are_kept_newest_first(tmp_path: Path) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = load_settings(env(tmp_path, LOYALTY_ENCRYPTION_KEY=f"{new}, {old}"))
    assert settings.encryption_keys == (new, old)


def test_the_demo_generates_its_own_credentials(tmp_path: Path) -> None:
    values = {"LOYALTY_INSTANCE_PATH": str(tmp_path)}
    first = load_settings(values, demo=True)
    again = load_settings(values, demo=True)
    assert len(first.api_secret) == 64
    assert (first.api_key, first.api_secret) == (again.api_key, again.api_secret)


def test_the_admin_url_template_points_at_the_standin(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path, SHOPIFY_ADMIN_URL="http://127.0.0.1:8081/{shop}/"))
    assert settings.admin_base_url("a.myshopify.com") == "http://127.0.0.1:8081/a.myshopify.com"
