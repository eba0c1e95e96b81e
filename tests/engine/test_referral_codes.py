"""A member's referral code is made in one statement that gives way to every code taken: an
affiliate's, another member's, or this member's own made by a concurrent request; the
friend's discount is queued once, with the code that was made."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.accounts import create_affiliate
from shopify_loyalty.affiliates.codes import create_code
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.referrals import codes as referral_codes
from shopify_loyalty.referrals.codes import make_referral_code, referral_code_for
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import new_id

SYNC_JOB = "referrals.sync_friend_discount"


@pytest.fixture
def member(services: Services, shop: str) -> int:
    """A stored member named Maria, without a referral code yet (their Shopify id)."""
    shopify_id = new_id()
    with services.db.transaction() as session:
        record_customer(
            session, shop_row(session, shop), CustomerDetails(shopify_id, first_name="Maria")
        )
    return shopify_id


def shop_row(session: Session, shop: str) -> Shop:
    return session.scalars(select(Shop).where(Shop.domain == shop)).one()


def customer_row(session: Session, shop: str, shopify_id: int) -> Customer:
    return session.scalars(
        select(Customer).where(
            Customer.shop_id == shop_row(session, shop).id,
            Customer.shopify_customer_id == shopify_id,
        )
    ).one()


def candidates(monkeypatch: pytest.MonkeyPatch, *codes: str) -> None:
    """The codes ``candidate_codes`` comes up with, in turn (one run of them for all members)."""
    given: Iterator[str] = iter(codes)
    monkeypatch.setattr(referral_codes, "candidate_codes", lambda shop, customer: given)


def sync_jobs(session: Session, code: ReferralCode) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.kind == SYNC_JOB, Job.key.startswith(f"{SYNC_JOB}:{code.id}:"))
        )
        or 0
    )


def test_a_candidate_that_is_an_affiliates_code_is_passed_over(
    services: Services, shop: str, member: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with services.db.transaction() as session:
        affiliate, _ = create_affiliate(
            session,
            shop_row(session, shop),
            {
                "name": "Maria's Blog",
                "email": "maria@partners.example",
                "commission_kind": "percentage",
                "commission_value": "10",
                "payout_method": "paypal",
                "payout_details": "maria@partners.example",
            },
        )
        create_code(
            session,
            shop_row(session, shop),
            affiliate.id,
            {"code": "maria7abc", "discount_kind": "percentage", "discount_value": "15"},
        )
    candidates(monkeypatch, "MARIA7ABC", "MARIA8XYZ")

    with services.db.transaction() as session:
        made = referral_code_for(
            session, shop_row(session, shop), customer_row(session, shop, member)
        )
        assert (made.code, made.friend_code) == ("MARIA8XYZ", "FRIEND-MARIA8XYZ")
        assert sync_jobs(session, made) == 1


def test_a_candidate_that_is_another_members_code_is_passed_over(
    services: Services, shop: str, member: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = new_id()
    candidates(monkeypatch, "MARIA7ABC", "MARIA7ABC", "MARIA9DEF")
    with services.db.transaction() as session:
        shop_ = shop_row(session, shop)
        first = referral_code_for(
            session, shop_, record_customer(session, shop_, CustomerDetails(other))
        )
        second = referral_code_for(session, shop_, customer_row(session, shop, member))

        assert (first.code, second.code) == ("MARIA7ABC", "MARIA9DEF")
        assert (sync_jobs(session, first), sync_jobs(session, second)) == (1, 1)


def test_the_code_is_made_once_and_never_changes(
    services: Services, shop: str, member: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidates(monkeypatch, "MARIA7ABC", "MARIA2QQQ")
    with services.db.transaction() as session:
        made = referral_code_for(
            session, shop_row(session, shop), customer_row(session, shop, member)
        )
    with services.db.transaction() as session:
        again = referral_code_for(
            session, shop_row(session, shop), customer_row(session, shop, member)
        )
        assert (again.id, again.code) == (made.id, "MARIA7ABC")
        assert sync_jobs(session, again) == 1


def test_a_member_whose_code_a_concurrent_request_is_making_gets_that_code_and_one_job(
    services: Services, shop: str, member: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests read the member without a code; the second waits on the first's insert
    and then answers with the first's code."""
    candidates(monkeypatch, "MARIA7ABC", "MARIA3RST", "MARIA4UVW")
    answers: list[str] = []

    def second_request() -> None:
        with services.db.transaction() as session:
            customer = customer_row(session, shop, member)
            answers.append(make_referral_code(session, shop_row(session, shop), customer).code)

    with services.db.transaction() as session:
        customer = customer_row(session, shop, member)
        made = make_referral_code(session, shop_row(session, shop), customer)
        racing = threading.Thread(target=second_request)
        racing.start()
        time.sleep(0.5)  # the second request now waits on this one's insert
    racing.join(timeout=30)

    assert answers == [made.code]
    with services.db.transaction() as session:
        stored = session.scalars(
            select(ReferralCode).where(ReferralCode.customer_id == customer.id)
        ).all()
        assert [row.code for row in stored] == [made.code]
        assert sync_jobs(session, stored[0]) == 1
