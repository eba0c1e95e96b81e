"""Inserting a row that a replayed or concurrent event may have stored first.

Events are delivered more than once and about the same customer at the same moment, so many
inserts must give way to a row with the same unique key. A savepoint around the insert did
that in three round trips (``SAVEPOINT``, ``INSERT``, ``RELEASE``); on PostgreSQL and SQLite
one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` does it in one, and leaves the
transaction usable either way. Other databases keep the savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Insert, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.db import Base

M = TypeVar("M", bound=Base)


def insert_unless_present(session: Session, row: M) -> M | None:
    """Store ``row`` (new, not added to the session) unless a stored row has one of its
    unique keys; returns the stored row, or None when such a row was there.

    The row returned is the one to use from then on: on PostgreSQL and SQLite it is a
    persistent copy of ``row`` read back by ``RETURNING``, with its id and defaults.
    """
    model = type(row)
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
        return row
    statement = insert_ignoring_conflicts(dialect, model).values(_values_of(row))
    stored: M | None = session.scalars(statement.returning(model)).first()
    return stored


def insert_all_unless_present(session: Session, rows: Sequence[M]) -> list[M]:
    """:func:`insert_unless_present` for several new rows of one model, in one statement
    on PostgreSQL and SQLite: the stored copies of those that had no stored twin, in the
    order of ``rows`` (their ids in that order too)."""
    if not rows:
        return []
    model = type(rows[0])
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite") or len(rows) == 1:
        return [stored for row in rows if (stored := insert_unless_present(session, row))]
    statement = insert_ignoring_conflicts(dialect, model).values([_values_of(row) for row in rows])
    stored = list(session.scalars(statement.returning(model)))
    stored.sort(key=lambda row: row.id)
    return stored


def _values_of(row: Base) -> dict[str, Any]:
    """The column values given to a new row (defaults are filled in by the insert)."""
    state: dict[str, Any] = inspect(row).dict
    return {
        attribute.key: state[attribute.key]
        for attribute in inspect(type(row)).column_attrs
        if attribute.key in state
    }


def insert_ignoring_conflicts(dialect: str, model: type[Base]) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``model``'s table, on PostgreSQL or SQLite
    (the two dialects that have it; ``dialect`` is the bind's dialect name)."""
    if dialect == "postgresql":
        return postgresql_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(model).on_conflict_do_nothing()
    raise ValueError(f"{dialect} has no ON CONFLICT DO NOTHING")
