"""Database engine, sessions and the declarative base.

SQLite (the embedded default) is put in WAL mode with a busy timeout so the web thread and
the in-process worker can write side by side; PostgreSQL gets a connection pool sized by
``LOYALTY_DB_POOL_*`` (see settings.PoolSettings).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    create_engine,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from shopify_loyalty.settings import PoolSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Our own primary keys: BIGINT on PostgreSQL, and on SQLite the INTEGER rowid alias (64-bit,
# and the only type SQLite autoincrements). Shopify ids (int64, above 2**53) use BigInteger.
PrimaryKey = BigInteger().with_variant(Integer(), "sqlite")

# Amounts in the shop's currency, to the cent.
Money = Numeric(14, 2)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, so naive values coming out of it are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times are aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def only_where(condition: str) -> dict[str, Any]:
    """Keyword arguments that make an ``Index`` partial, alike on PostgreSQL and SQLite: it
    holds only the rows that meet ``condition``."""
    return {"postgresql_where": text(condition), "sqlite_where": text(condition)}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(
    database_url: str,
    pool: PoolSettings | None = None,
    *,
    busy_timeout_seconds: float = 30.0,
) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            connect_args={"timeout": busy_timeout_seconds, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let pysqlite issue no BEGIN of its own; we send BEGIN IMMEDIATE below so that
            # two writers queue on the busy timeout instead of failing on lock upgrade.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    pool = pool or PoolSettings()
    # No pre-ping: it costs a round trip on every checkout (a webhook's answer is one insert).
    # A connection that died with the server fails one statement, and SQLAlchemy then
    # throws away the whole pool; recycling keeps connections from ageing past idle limits.
    return create_engine(
        database_url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=pool.recycle_seconds,
    )


class Database:
    """An engine and its session factory; one per process and configuration."""

    def __init__(
        self,
        database_url: str,
        pool: PoolSettings | None = None,
        *,
        busy_timeout_seconds: float = 30.0,
    ) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, pool, busy_timeout_seconds=busy_timeout_seconds)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def single_statements(self) -> Iterator[Connection]:
        """A connection for writes of one statement each, committed as they run.

        On PostgreSQL it is in autocommit mode, which saves the BEGIN and COMMIT round
        trips; SQLite gets one transaction around the block instead.
        """
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
            else:
                with connection.begin():
                    yield connection

    def dispose(self) -> None:
        self.engine.dispose()
