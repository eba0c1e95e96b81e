"""A shopper's first widget visit makes their referral code; when the code (with its friend
discount's job) is the visit's only write, the commit does not wait for the disk. A database
crash may then lose both, so the next visit must make the very same code, and the job again.
Over HTTP with the proxy's signatures and the real database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.engine import Connection

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import OTHER_SHOP, new_id
from tests.storefront.conftest import ProxyClient

Member = Callable[[int], int]
SYNC_JOB = "referrals.sync_friend_discount"
WROTE_CODE = "loyalty.test.wrote_referral_code"


def code_rows(services: Services, shop: str, shopify_id: int) -> list[tuple[str, list[int]]]:
    """The shopper's stored codes, each with the referral code ids its queued sync jobs name."""
    with services.db.transaction() as session:
        codes = session.scalars(
            select(ReferralCode)
            .join(Customer, Customer.id == ReferralCode.customer_id)
            .join(Shop, Shop.id == ReferralCode.shop_id)
            .where(Shop.domain == shop, Customer.shopify_customer_id == shopify_id)
        ).all()
        return [
            (
                code.code,
                [
                    json.loads(job.payload)["referral_code_id"]
                    for job in session.scalars(
                        select(Job).where(
                            Job.kind == SYNC_JOB, Job.key.startswith(f"{SYNC_JOB}:{code.id}:")
                        )
                    )
                ],
            )
            for code in codes
        ]


def lose_the_code(services: Services, shop: str, shopify_id: int) -> None:
    """What a database crash leaves when it loses the first visit's commit: neither the code
    nor its job."""
    with services.db.transaction() as session:
        code = session.scalars(
            select(ReferralCode)
            .join(Customer, Customer.id == ReferralCode.customer_id)
            .join(Shop, Shop.id == ReferralCode.shop_id)
            .where(Shop.domain == shop, Customer.shopify_customer_id == shopify_id)
        ).one()
        session.execute(delete(Job).where(Job.key.startswith(f"{SYNC_JOB}:{code.id}:")))
        session.delete(code)


def test_a_code_lost_with_its_commit_is_made_again_identical_with_its_job(
    proxy: ProxyClient, member: Member, services: Services, shop: str
) -> None:
    customer = member(100)
    shown = proxy.get("/api/me", customer).json()["referral"]
    [(code, _)] = code_rows(services, shop, customer)
    assert shown["code"] == code
    lose_the_code(services, shop, customer)
    assert code_rows(services, shop, customer) == []

    again = proxy.get("/api/me", customer).json()["referral"]

    assert again == shown
    with services.db.transaction() as session:
        row_id = session.scalars(select(ReferralCode.id).where(ReferralCode.code == code)).one()
    assert code_rows(services, shop, customer) == [(code, [row_id])]


def test_shoppers_get_codes_of_their_own_in_each_shop(
    proxy: ProxyClient, member: Member, install: Callable[[str], None]
) -> None:
    install(OTHER_SHOP)
    first, second = member(0), member(0)  # the same first name

    codes = [proxy.get("/api/me", one).json()["referral"]["code"] for one in (first, second)]
    elsewhere = ProxyClient(proxy.http, OTHER_SHOP).get("/api/me", first).json()["referral"]

    assert codes[0][:-4] == codes[1][:-4]
    assert len({codes[0], codes[1], elsewhere["code"]}) == 3


@pytest.fixture
def commit_settings(services: Services, database_url: str) -> Iterator[list[str]]:
    """``synchronous_commit`` as each transaction that wrote a referral code committed."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a commit that does not wait for the disk is PostgreSQL's")
    seen: list[str] = []

    def statement(conn: Connection, _cursor: Any, text: str, *_: Any) -> None:
        if text.lstrip().upper().startswith("INSERT INTO REFERRAL_CODES"):
            conn.info[WROTE_CODE] = True

    def commit(conn: Connection) -> None:
        if conn.info.pop(WROTE_CODE, False):
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cursor.execute("SHOW synchronous_commit")
            row = cursor.fetchone()
            assert row is not None
            seen.append(row[0])

    def rollback(conn: Connection) -> None:
        conn.info.pop(WROTE_CODE, None)

    engine = services.db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        event.remove(engine, "rollback", rollback)


def test_a_first_visit_that_only_makes_the_code_does_not_wait_for_the_disk(
    proxy: ProxyClient, member: Member, commit_settings: list[str]
) -> None:
    proxy.get("/api/program")  # the default catalogue, made on the shop's first read
    customer = member(100)

    assert proxy.get("/api/me", customer).status_code == 200
    assert proxy.get("/api/me", customer).status_code == 200

    assert commit_settings == ["off"]


def test_a_first_visit_that_also_makes_the_default_catalogue_commits_durably(
    proxy: ProxyClient, member: Member, commit_settings: list[str]
) -> None:
    customer = member(100)  # nothing read the shop's rewards yet

    response = proxy.get("/api/me", customer)

    assert [reward["title"] for reward in response.json()["rewards"]]
    assert commit_settings == ["on"]


def test_a_first_visit_that_also_stores_the_shopper_commits_durably(
    proxy: ProxyClient, shop: str, commit_settings: list[str]
) -> None:
    proxy.get("/api/program")  # the default catalogue, made on the shop's first read
    stranger = new_id()  # Shopify's customers/create has not reached us yet

    response = proxy.get("/api/me", stranger)

    assert response.status_code == 200
    assert response.json()["referral"]["code"]
    assert commit_settings == ["on"]
