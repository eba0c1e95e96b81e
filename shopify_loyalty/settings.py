"""Configuration, read once from the environment into one settings object.

Every malformed or missing value raises :class:`SettingsError` naming the variable, so a
misconfigured deployment fails at start-up instead of at the first webhook.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

DEFAULT_API_VERSION = "2026-04"
DEFAULT_APP_URL = "http://127.0.0.1:8000"
DEFAULT_ADMIN_URL = "https://{shop}"
API_VERSION_PATTERN = re.compile(r"^\d{4}-(01|04|07|10)$")
WORKER_MODES = ("thread", "off")
SCOPES = (
    "read_orders",
    "read_customers",
    "write_customers",
    "write_discounts",
    "read_themes",
    "write_validations",
)
FAULT_PAUSE_POINTS = ("after_claim", "before_commit")


class SettingsError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class PoolSettings:
    """PostgreSQL connection pool of each process (SQLAlchemy's QueuePool)."""

    size: int = 10
    max_overflow: int = 20
    timeout_seconds: int = 30
    recycle_seconds: int = 1800


@dataclass(frozen=True)
class Settings:
    api_key: str
    api_secret: str
    app_url: str
    database_url: str
    encryption_keys: tuple[str, ...]
    api_version: str
    admin_url_template: str
    redis_url: str | None
    instance_path: Path
    worker_mode: str = "thread"
    worker_lease_seconds: float = 120.0
    sqlite_busy_timeout_seconds: float = 30.0
    admin_timeout_seconds: float = 15.0
    # Applied webhook events and finished jobs are deleted this many days after they ended.
    retention_days: int = 30
    # A fault-test hook: the worker sleeps this long at this point of applying an event.
    fault_pause: tuple[str, float] | None = None
    db_pool: PoolSettings = field(default_factory=lambda: PoolSettings())
    scopes: tuple[str, ...] = SCOPES
    extra: Mapping[str, str] = field(default_factory=dict)

    def admin_base_url(self, shop_domain: str) -> str:
        """The base URL of a shop's Admin (OAuth and API paths hang below it)."""
        return self.admin_url_template.format(shop=shop_domain).rstrip("/")

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    instance_path: Path | None = None,
    demo: bool = False,
) -> Settings:
    """Build :class:`Settings` from ``environ`` (default: the process environment).

    Outside the demo the Shopify credentials are required. Missing secrets that can be
    generated (the encryption key, and in the demo the app credentials) are generated once
    into the instance folder and reused on the next start.
    """
    env = dict(os.environ if environ is None else environ)
    instance = Path(env.get("LOYALTY_INSTANCE_PATH") or instance_path or Path.cwd() / "instance")
    instance = instance.resolve()

    api_key = env.get("SHOPIFY_API_KEY", "").strip()
    api_secret = env.get("SHOPIFY_API_SECRET", "").strip()
    if demo:
        api_key = api_key or _instance_secret(instance, "demo_api_key", lambda: _token(16))
        api_secret = api_secret or _instance_secret(instance, "demo_api_secret", lambda: _token(32))
    if not api_key:
        raise SettingsError("SHOPIFY_API_KEY", "is required (the app's client id from Shopify)")
    if not api_secret:
        raise SettingsError("SHOPIFY_API_SECRET", "is required (the app's client secret)")

    app_url = _url(env, "APP_URL", DEFAULT_APP_URL)
    admin_template = env.get("SHOPIFY_ADMIN_URL", "").strip() or DEFAULT_ADMIN_URL
    if "{shop}" not in admin_template:
        raise SettingsError("SHOPIFY_ADMIN_URL", "must contain the placeholder {shop}")
    _url(
        {"SHOPIFY_ADMIN_URL": admin_template.format(shop="x.myshopify.com")},
        "SHOPIFY_ADMIN_URL",
        "",
    )

    api_version = env.get("SHOPIFY_API_VERSION", "").strip() or DEFAULT_API_VERSION
    if not API_VERSION_PATTERN.match(api_version):
        raise SettingsError(
            "SHOPIFY_API_VERSION", f"{api_version!r} is not a Shopify version like 2026-04"
        )

    database_url = env.get("DATABASE_URL", "").strip()
    if not database_url:
        instance.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{instance / 'shopify_loyalty.sqlite3'}"
    elif "://" not in database_url:
        raise SettingsError("DATABASE_URL", f"{database_url!r} is not an SQLAlchemy URL")

    keys = _encryption_keys(env.get("LOYALTY_ENCRYPTION_KEY", ""), instance)

    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("REDIS_URL", f"{redis_url!r} is not a redis:// URL")

    worker_mode = env.get("LOYALTY_WORKER", "").strip() or "thread"
    if worker_mode not in WORKER_MODES:
        raise SettingsError("LOYALTY_WORKER", f"must be one of {', '.join(WORKER_MODES)}")

    worker_lease = _seconds(env, "LOYALTY_WORKER_LEASE_SECONDS", 120.0, 1.0, 3600.0)
    busy_timeout = _seconds(env, "LOYALTY_SQLITE_BUSY_TIMEOUT_SECONDS", 30.0, 0.1, 600.0)
    admin_timeout = _seconds(env, "SHOPIFY_ADMIN_TIMEOUT_SECONDS", 15.0, 0.1, 120.0)

    return Settings(
        api_key=api_key,
        api_secret=api_secret,
        app_url=app_url.rstrip("/"),
        database_url=database_url,
        encryption_keys=keys,
        api_version=api_version,
        admin_url_template=admin_template.rstrip("/"),
        redis_url=redis_url,
        instance_path=instance,
        worker_mode=worker_mode,
        worker_lease_seconds=worker_lease,
        sqlite_busy_timeout_seconds=busy_timeout,
        admin_timeout_seconds=admin_timeout,
        retention_days=_int(env, "LOYALTY_RETENTION_DAYS", 30, 3, 3650),
        fault_pause=_fault_pause(env.get("LOYALTY_FAULT_PAUSE", "")),
        db_pool=PoolSettings(
            size=_int(env, "LOYALTY_DB_POOL_SIZE", 10, 1, 200),
            max_overflow=_int(env, "LOYALTY_DB_MAX_OVERFLOW", 20, 0, 500),
            timeout_seconds=_int(env, "LOYALTY_DB_POOL_TIMEOUT", 30, 1, 600),
            recycle_seconds=_int(env, "LOYALTY_DB_POOL_RECYCLE", 1800, 60, 86400),
        ),
    )


def _seconds(
    env: Mapping[str, str], variable: str, default: float, low: float, high: float
) -> float:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise SettingsError(variable, f"must be a number of seconds from {low:g} to {high:g}")
    return value


def _int(env: Mapping[str, str], variable: str, default: int, low: int, high: int) -> int:
    raw = env.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(variable, f"{raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(variable, f"{value} is outside the allowed range {low} to {high}")
    return value


def _fault_pause(raw: str) -> tuple[str, float] | None:
    """``after_claim=2`` or ``before_commit=30``: where and how long the worker pauses while
    applying each event, so a fault test can cut the database or kill the process there."""
    raw = raw.strip()
    if not raw:
        return None
    point, _, seconds = raw.partition("=")
    if point not in FAULT_PAUSE_POINTS:
        raise SettingsError(
            "LOYALTY_FAULT_PAUSE", f"must be <point>=<seconds>, point one of {FAULT_PAUSE_POINTS}"
        )
    return point, _seconds({"LOYALTY_FAULT_PAUSE": seconds}, "LOYALTY_FAULT_PAUSE", 0, 0, 600.0)


def _url(env: Mapping[str, str], variable: str, default: str) -> str:
    value = env.get(variable, "").strip() or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(variable, f"{value!r} is not an http(s) URL")
    return value


def _encryption_keys(raw: str, instance: Path) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    if not keys:
        keys = (
            _instance_secret(instance, "encryption_key", lambda: Fernet.generate_key().decode()),
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as error:
            raise SettingsError(
                "LOYALTY_ENCRYPTION_KEY",
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)",
            ) from error
    return keys


def _instance_secret(instance: Path, name: str, generate: object) -> str:
    """Read a generated secret from the instance folder, creating it on first use."""
    path = instance / name
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    value = generate()  # type: ignore[operator]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return str(value)


def _token(nbytes: int) -> str:
    import secrets

    return secrets.token_hex(nbytes)
