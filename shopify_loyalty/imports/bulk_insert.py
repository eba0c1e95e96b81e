"""Inserting many rows at once: ``COPY ... FROM STDIN`` on PostgreSQL, batched elsewhere.

COPY streams rows in the server's own format with no statement per row, which is the fastest
way into PostgreSQL; other databases get ``executemany`` in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, insert

BATCH_ROWS = 5_000


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (values in the order of ``columns``); returns how many."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, rows)
    count = 0
    iterator = iter(rows)
    statement = insert(table)
    while batch := [dict(zip(columns, row, strict=True)) for row in islice(iterator, BATCH_ROWS)]:
        connection.execute(statement, batch)
        count += len(batch)
    return count


def _copy(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    for name in columns:
        table.c[name]  # noqa: B018 (a KeyError names a column the table does not have)
    column_list = ", ".join(f'"{name}"' for name in columns)
    driver = connection.connection.driver_connection
    count = 0
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def move_id_sequence(connection: Connection, table: Table) -> None:
    """After rows were copied in with their own ids, let new rows continue after them."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
            f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
        )
