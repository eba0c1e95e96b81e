"""What a transaction has already read or done, kept on its session until it ends.

A paid order touches the same settings and the same rows from several domain modules; a memo
lets the second of them skip the round trip. A memo lives exactly as long as what it
remembers is sure to hold: it is dropped when the outermost transaction ends (commit or
rollback, when other transactions may change the rows) and whenever any savepoint rolls back
(what was written and remembered inside it is gone).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

MEMOS_KEY = "loyalty.transaction_memos"


def transaction_memo(session: Session, name: str) -> dict[Any, Any]:
    """The memo called ``name`` of the session's current transaction (empty at first)."""
    memos: dict[str, dict[Any, Any]] = session.info.setdefault(MEMOS_KEY, {})
    return memos.setdefault(name, {})


def forget_transaction_memos(session: Session) -> None:
    session.info.pop(MEMOS_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        forget_transaction_memos(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: SessionTransaction) -> None:
    forget_transaction_memos(session)
