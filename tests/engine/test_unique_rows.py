"""A row that may exist already is stored once, and the transaction goes on either way."""

from __future__ import annotations

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.unique_rows import (
    insert_all_unless_present,
    insert_unless_present,
    insert_values_unless_present,
)


def test_a_new_row_is_stored_and_a_second_with_its_key_gives_way(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner, customer = shop_and_new_customer(session, shop, 880_001)

        def entry(points: int) -> LedgerEntry:
            return ledger_row(customer, "1", points)

        first = insert_unless_present(session, entry(5))
        second = insert_unless_present(session, entry(7))

        assert first is not None and first.id is not None
        assert first.created_at is not None  # the column's default, read back
        assert first in session
        assert second is None
        # The transaction is still usable and holds the first row only.
        stored = session.execute(
            select(func.count(), func.sum(LedgerEntry.points)).where(
                LedgerEntry.shop_id == owner.id, LedgerEntry.idempotency_key == "unique-rows:1"
            )
        ).one()
        assert tuple(stored) == (1, 5)
        session.rollback()


def test_several_rows_in_one_go_store_those_without_a_stored_twin_in_their_order(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner, customer = shop_and_new_customer(session, shop, 880_002)

        def entry(key: str, points: int) -> LedgerEntry:
            return ledger_row(customer, key, points)

        assert insert_unless_present(session, entry("b", 2)) is not None
        stored = insert_all_unless_present(session, [entry("a", 1), entry("b", 20), entry("c", 3)])

        assert [(row.idempotency_key, row.points) for row in stored] == [
            ("unique-rows:a", 1),
            ("unique-rows:c", 3),
        ]
        assert stored[0].id < stored[1].id
        assert all(row in session and row.created_at is not None for row in stored)
        assert stored_points(session, owner, customer) == [2, 1, 3]
        session.rollback()


def test_rows_given_as_values_store_those_without_a_stored_twin_and_make_no_objects(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner, customer = shop_and_new_customer(session, shop, 880_004)

        def values(key: str, points: int) -> dict[str, object]:
            row = ledger_row(customer, key, points)
            return {name: getattr(row, name) for name in inspect(row).dict if name[0] != "_"}

        assert insert_unless_present(session, ledger_row(customer, "b", 2)) is not None
        held = len(session.identity_map)
        stored = insert_values_unless_present(
            session,
            LedgerEntry,
            [values("a", 1), values("b", 20), values("c", 3)],
            ("idempotency_key", "points"),
        )

        assert [row[1:] for row in stored] == [("unique-rows:a", 1), ("unique-rows:c", 3)]
        assert stored[0][0] < stored[1][0]
        assert len(session.identity_map) == held
        assert stored_points(session, owner, customer) == [2, 1, 3]
        session.rollback()


def test_a_stored_row_is_clean_and_a_later_change_to_it_is_written(
    services: Services, shop: str
) -> None:
    with services.db.transaction() as session:
        owner, customer = shop_and_new_customer(session, shop, 880_003)
        stored = insert_unless_present(session, ledger_row(customer, "clean", 4))
        assert stored is not None

        state = inspect(stored)
        assert state.persistent and not state.modified and not state.expired_attributes
        assert stored not in session.dirty
        statements: list[str] = []
        event.listen(
            session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        session.flush()
        assert statements == []  # nothing left to write

        stored.note = "changed later"
        session.flush()
        assert [s.split()[0] for s in statements] == ["UPDATE"]
        session.expire(stored)
        assert stored.note == "changed later"
        session.rollback()


def stored_points(session: Session, owner: Shop, customer: Customer) -> list[int]:
    """The points of the customer's ledger rows, oldest first."""
    return list(
        session.scalars(
            select(LedgerEntry.points)
            .where(LedgerEntry.shop_id == owner.id, LedgerEntry.customer_id == customer.id)
            .order_by(LedgerEntry.id)
        )
    )


def shop_and_new_customer(session: Session, shop: str, shopify_id: int) -> tuple[Shop, Customer]:
    """The installed shop's row and a customer stored for it in ``session``."""
    owner = session.scalars(select(Shop).where(Shop.domain == shop)).one()
    customer = insert_unless_present(
        session, Customer(shop_id=owner.id, shopify_customer_id=shopify_id)
    )
    assert customer is not None
    return owner, customer


def ledger_row(customer: Customer, key: str, points: int) -> LedgerEntry:
    """A ledger row of the customer's, keyed ``unique-rows:<key>`` (not stored yet)."""
    return LedgerEntry(
        shop_id=customer.shop_id,
        customer_id=customer.id,
        points=points,
        reason="test",
        source="adjustment",
        idempotency_key=f"unique-rows:{key}",
    )
