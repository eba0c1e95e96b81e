"""What a transaction has already read or done, kept on its session until it ends.

A paid order touches the same settings and the same rows from several domain modules; a memo
lets the second of them skip the round trip. A memo lives exactly as long as what it
remembers is sure to hold: it is dropped when the outermost transaction ends (commit or
rollback, when other transactions may change the rows) and whenever any savepoint rolls back
(what was written and remembered inside it is gone).

Several events may be applied in one transaction. Between two of them every memo is
dropped except those named with ``lasts_the_transaction``: what one event remembered about
its own work (a member it just created, say) must not short-cut the next event's lookups.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, event
from sqlalchemy.orm import Session, SessionTransaction

MEMOS_KEY = "loyalty.transaction_memos"
_WHOLE_TRANSACTION: set[str] = set()


def lasts_the_transaction(name: str) -> str:
    """Name a memo that stays true from one event of a transaction to the next (frozen
    settings, locks held, rows marked); returns ``name``."""
    _WHOLE_TRANSACTION.add(name)
    return name


def transaction_memo(session: Session, name: str) -> dict[Any, Any]:
    """The memo called ``name`` of the session's current transaction (empty at first)."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(MEMOS_KEY, {})
    return memos.setdefault(name, {})


def read_codes_ahead(
    session: Session,
    name: str,
    keys: Iterable[tuple[int, str]],
    statement: Select[Any],
    text: str = "code",
) -> None:
    """Fill the memo ``name``, of rows by (shop id, text), for ``keys`` in one query, those
    without a row as None: ``statement`` takes the ``shop_ids`` and ``codes`` wanted, and
    each row it reads has its text in the attribute ``text``. Keys remembered already are
    not read again (the memo holds the session's own rows, changed since perhaps)."""
    known: dict[tuple[int, str], Any] = transaction_memo(session, name)
    wanted = set(keys) - set(known)
    if not wanted:
        return
    values = {
        "shop_ids": sorted({shop_id for shop_id, _ in wanted}),
        "codes": sorted({code for _, code in wanted}),
    }
    for row in session.scalars(statement, values):
        known.setdefault((row.shop_id, getattr(row, text)), row)
    for key in wanted:
        known.setdefault(key, None)


def forget_transaction_memos(session: Session) -> None:
    session.info.pop(MEMOS_KEY, None)


def forget_event_memos(session: Session) -> None:
    """Before the next event of the same transaction: keep only the memos that last the
    transaction."""
    memos: dict[str, dict[Any, Any]] = session.info.get(MEMOS_KEY, {})
    for name in [name for name in memos if name not in _WHOLE_TRANSACTION]:
        del memos[name]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        forget_transaction_memos(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: SessionTransaction) -> None:
    forget_transaction_memos(session)
