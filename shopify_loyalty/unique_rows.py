"""Inserting a row that a replayed or concurrent event may have stored first.

Events are delivered more than once and about the same customer at the same moment, so many
inserts must give way to a row with the same unique key. A savepoint around the insert did
that in three round trips (``SAVEPOINT``, ``INSERT``, ``RELEASE``); on PostgreSQL and SQLite
one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` does it in one, and leaves the
transaction usable either way. Other databases keep the savepoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, Insert, Table, UniqueConstraint, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from shopify_loyalty.db import Base

M = TypeVar("M", bound=Base)


def insert_unless_present(session: Session, row: M) -> M | None:
    """Store ``row`` (new, not added to the session) unless a stored row has one of its
    unique keys; returns the stored row, or None when such a row was there.

    The row returned is the one to use from then on: on PostgreSQL and SQLite it is
    ``row`` itself, made persistent with what ``RETURNING`` read back (its id and defaults).
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
        return row
    shape = _shape_of(type(row))
    if session.autoflush:
        session.flush()
    stored = session.connection().execute(shape.statements[dialect], shape.values_of(row)).first()
    if stored is None:
        return None
    shape.attach(session, row, stored)
    return row


def insert_all_unless_present(session: Session, rows: Sequence[M]) -> list[M]:
    """:func:`insert_unless_present` for several new rows of one model, in one statement
    on PostgreSQL and SQLite: those that had no stored twin, stored, in the order of
    ``rows`` (their ids in that order too)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    shape = _shape_of(type(rows[0])) if dialect in ("postgresql", "sqlite") else None
    given = [shape.values_of(row) for row in rows] if shape else []
    if (
        shape is None
        or len(rows) < 2
        or not shape.unique_keys
        or any(key not in values for values in given for key in shape.unique_keys)
    ):
        # One by one: rows read back could not be told apart.
        return [stored for row in rows if (stored := insert_unless_present(session, row))]
    if session.autoflush:
        session.flush()
    by_key = {
        tuple(values[key] for key in shape.unique_keys): row
        for values, row in zip(given, rows, strict=True)
    }
    returned = session.connection().execute(shape.statements[dialect], given)
    kept: list[M] = []
    for written in sorted(returned, key=lambda found: found[shape.id_index]):
        row = by_key[tuple(written[index] for index in shape.unique_indexes)]
        shape.attach(session, row, written)
        kept.append(row)
    return kept


def insert_values_unless_present(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """:func:`insert_all_unless_present` for rows given as their column values (the same
    keys in each), when no object of them is wanted afterwards: none is built nor attached
    to the session, which cost more than the insert itself. Returns the ``id`` and then the
    ``returning`` columns of the rows stored, in the order of ``rows``; a row with a stored
    twin is left out."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        stored = [
            found
            for values in rows
            if (found := insert_unless_present(session, model(**values))) is not None
        ]
        return [tuple(getattr(found, key) for key in ("id", *returning)) for found in stored]
    if session.autoflush:
        session.flush()
    statement = _returning_statement(model, dialect, tuple(returning))
    # Ids are given in the order of the rows; the rows read back come in any order.
    returned = session.connection().execute(statement, list(rows))
    return sorted((tuple(row) for row in returned), key=lambda row: row[0])


@cache
def _returning_statement(model: type[Base], dialect: str, returning: tuple[str, ...]) -> Insert:
    table = inspect(model).local_table
    columns = [table.c.id, *(table.c[key] for key in returning)]
    return insert_ignoring_conflicts(dialect, model).returning(*columns)


class _Shape:
    """A model's columns, and its ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` every
    column, built once: sent on the session's connection, it skips the ORM's statement
    building and row reading, which cost more than the round trip."""

    def __init__(self, model: type[Base]) -> None:
        mapper = inspect(model)
        self.mapper = mapper
        table = mapper.local_table
        assert isinstance(table, Table)
        self.attributes = [
            (attribute.key, column)
            for attribute in mapper.column_attrs
            for column in attribute.columns[:1]
            if isinstance(column, Column) and column.table is table
        ]
        self.columns = [column for _, column in self.attributes]
        self.statements = {
            dialect: insert_ignoring_conflicts(dialect, table).returning(*self.columns)
            for dialect in ("postgresql", "sqlite")
        }
        self.id_index = next(i for i, column in enumerate(self.columns) if column.primary_key)
        # The columns of its unique keys, by which a row read back is told from the others.
        keyed = {
            column
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
            for column in constraint.columns
        } | {column for index in table.indexes if index.unique for column in index.columns}
        self.unique_indexes = [i for i, column in enumerate(self.columns) if column in keyed]
        self.unique_keys = [self.columns[i].key for i in self.unique_indexes]

    def values_of(self, row: Base) -> dict[str, Any]:
        """The values given to the new row (defaults are filled in by the insert)."""
        state: dict[str, Any] = inspect(row).dict
        return {column.key: state[key] for key, column in self.attributes if key in state}

    def attach(self, session: Session, row: Base, stored: Sequence[Any]) -> None:
        """``row`` (transient) as stored: its columns as read back, persistent in
        ``session``.

        The values go straight into the row's state: making it detached commits every
        value the state holds, so the attribute events that ``fill`` goes through (a
        fifth of an insert's cost) would only record history for it to forget. No model
        has mutation-tracked or composite columns, which need those events.
        """
        values = inspect(row).dict
        for (key, _), value in zip(self.attributes, stored[: len(self.attributes)], strict=True):
            values[key] = value
        make_transient_to_detached(row)
        session.add(row)

    def fill(self, row: Base, stored: Sequence[Any]) -> None:
        for (key, _), value in zip(self.attributes, stored[: len(self.attributes)], strict=True):
            set_committed_value(row, key, value)


_SHAPES: dict[type[Base], _Shape] = {}


def _shape_of(model: type[Base]) -> _Shape:
    shape = _SHAPES.get(model)
    if shape is None:
        shape = _SHAPES[model] = _Shape(model)
    return shape


def stored_columns(model: type[Base]) -> list[Column[Any]]:
    """``model``'s columns in the order :func:`stored_object` takes them, for a
    ``RETURNING`` or a select sent on the session's connection."""
    return _shape_of(model).columns


def stored_object(session: Session, model: type[M], stored: Sequence[Any]) -> M:
    """The session's object for a row read back with :func:`stored_columns` first (more
    values after them are left out): the one the session holds, brought up to date as the
    ORM's ``populate_existing`` would, or a new persistent one."""
    shape = _shape_of(model)
    key = shape.mapper.identity_key_from_primary_key((stored[shape.id_index],))
    held: M | None = session.identity_map.get(key)  # type: ignore[assignment]
    if held is not None:
        shape.fill(held, stored)
        return held
    row = model()
    shape.attach(session, row, stored)
    return row


def insert_ignoring_conflicts(dialect: str, model: type[Base] | Table) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` into ``model``'s table (or a table), on
    PostgreSQL or SQLite (the two dialects that have it; ``dialect`` is the bind's dialect
    name)."""
    if dialect == "postgresql":
        return postgresql_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(model).on_conflict_do_nothing()
    raise ValueError(f"{dialect} has no ON CONFLICT DO NOTHING")
