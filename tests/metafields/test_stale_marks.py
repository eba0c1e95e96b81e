"""Metafield marks wait for their transaction's commit and are then written in one
statement; a reader or a deletion in the same transaction writes them first, and a savepoint
that rolls back takes the marks made inside it with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.metafields.stale import mark_metafields_stale
from shopify_loyalty.metafields.sync import _read_stale
from shopify_loyalty.privacy.requests import redact_shop
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop

ANNA, BEN, CARA = 6_400_000_000_001, 6_400_000_000_002, 6_400_000_000_003


class Refused(Exception):
    pass


def customers_of(services: Services, shop: str, *shopify_ids: int) -> list[int]:
    """The customers, stored and committed; their ids."""
    with services.db.transaction() as session:
        found = the_shop(session, shop)
        return [
            record_customer(session, found, CustomerDetails(shopify_customer_id=shopify_id)).id
            for shopify_id in shopify_ids
        ]


def the_shop(session: Session, domain: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.domain == domain)).one()


def mark(session: Session, shop: str, customer_id: int) -> None:
    mark_metafields_stale(session, the_shop(session, shop), session.get_one(Customer, customer_id))


def stale_rows(session: Session) -> dict[int, bool]:
    rows = session.execute(text("SELECT customer_id, stale_since FROM customer_metafield_syncs"))
    return {customer_id: since is not None for customer_id, since in rows}


def test_marks_are_written_at_the_commit_and_the_flush_reading_them_first_sees_them(
    shop: str, services: Services
) -> None:
    anna, ben = customers_of(services, shop, ANNA, BEN)
    with services.db.transaction() as session:
        mark(session, shop, anna)
        # Not written yet: nothing in the marking transaction reads the rows...
        assert stale_rows(session) == {}
        # ...but the flush's reading writes them first.
        writes, _ = _read_stale(session, the_shop(session, shop))
        assert set(stale_rows(session)) == {anna}
        assert [write.owner_id for write in writes] == [f"gid://shopify/Customer/{ANNA}"]
        mark(session, shop, ben)
    with services.db.sessions() as session:
        assert set(stale_rows(session)) == {anna, ben}
        assert stale_rows(session)[ben] is True


def test_a_savepoint_rolled_back_takes_the_marks_made_inside_it_with_it(
    shop: str, services: Services
) -> None:
    anna, ben, cara = customers_of(services, shop, ANNA, BEN, CARA)
    with services.db.transaction() as session:
        mark(session, shop, anna)
        with pytest.raises(Refused), session.begin_nested():
            mark(session, shop, ben)
            mark(session, shop, anna)
            raise Refused
        with session.begin_nested():
            mark(session, shop, cara)
    with services.db.sessions() as session:
        assert stale_rows(session) == {anna: True, cara: True}


def test_a_shop_redacted_after_marks_in_the_same_transaction_keeps_no_rows(
    shop: str, services: Services
) -> None:
    (anna,) = customers_of(services, shop, ANNA)
    with services.db.transaction() as session:
        mark(session, shop, anna)
        redact_shop(session, the_shop(session, shop))
    with services.db.sessions() as session:
        assert stale_rows(session) == {}
