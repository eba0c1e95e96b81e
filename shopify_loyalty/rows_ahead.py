"""Rows a batch writes ahead for its events: new rows of one kind in one statement, each
kept with the facts it was made from, for the event that would write it to take instead.

An event takes its row only when it would make it from the same facts; otherwise (the row
was not written ahead, or what it was made from no longer holds) the event writes its own,
as it would without a batch. The memos last the transaction, from before a batch's first
event to its last.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from shopify_loyalty.db import Base
from shopify_loyalty.transaction_memo import transaction_memo
from shopify_loyalty.unique_rows import insert_all_unless_present

M = TypeVar("M", bound=Base)
K = TypeVar("K", bound=Hashable)


def insert_ahead(
    session: Session,
    memo: str,
    rows: Sequence[M],
    made_from: Sequence[object],
    key: Callable[[M], K],
) -> dict[K, M]:
    """Insert those of ``rows`` that have no stored twin, in one statement, each kept in
    ``memo`` under its ``key`` with its ``made_from`` (the same position); the rows
    inserted, by key."""
    given = {id(row): facts for row, facts in zip(rows, made_from, strict=True)}
    inserted: dict[K, M] = {}
    for row in insert_all_unless_present(session, rows):
        keep_ahead(session, memo, key(row), row, given[id(row)])
        inserted[key(row)] = row
    return inserted


def keep_ahead(
    session: Session, memo: str, key: Hashable, written: object, made_from: object
) -> None:
    """Keep what was written ahead (a row, or several together) in ``memo`` under ``key``,
    for :func:`take_ahead` to hand out to the event that would write it from ``made_from``."""
    transaction_memo(session, memo)[key] = (written, made_from)


def take_ahead(session: Session, memo: str, key: Hashable, made_from: object) -> Any | None:
    """What was written ahead under ``key`` if it was made from ``made_from``, else None;
    either way it is no longer handed out."""
    found = transaction_memo(session, memo).pop(key, None)
    if found is None or found[1] != made_from:
        return None
    return found[0]
