"""A transaction's memo lives as long as what it remembers is sure to hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from shopify_loyalty.transaction_memo import transaction_memo


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_a_memo_is_kept_for_the_rest_of_the_transaction(session: Session) -> None:
    session.execute(text("SELECT 1"))
    transaction_memo(session, "seen")["a"] = 1

    assert transaction_memo(session, "seen") == {"a": 1}
    assert transaction_memo(session, "other") == {}


def test_a_released_savepoint_keeps_the_memo(session: Session) -> None:
    session.execute(text("SELECT 1"))
    transaction_memo(session, "seen")["a"] = 1
    with session.begin_nested():
        transaction_memo(session, "seen")["b"] = 2

    assert transaction_memo(session, "seen") == {"a": 1, "b": 2}


def test_a_rolled_back_savepoint_forgets_the_memo(session: Session) -> None:
    session.execute(text("SELECT 1"))
    transaction_memo(session, "seen")["a"] = 1
    with pytest.raises(ValueError), session.begin_nested():
        transaction_memo(session, "seen")["b"] = 2
        raise ValueError("rolled back")

    assert transaction_memo(session, "seen") == {}


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_end_of_the_transaction_forgets_the_memo(session: Session, end: str) -> None:
    session.execute(text("SELECT 1"))
    transaction_memo(session, "seen")["a"] = 1

    getattr(session, end)()

    assert transaction_memo(session, "seen") == {}
