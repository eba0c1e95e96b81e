"""A shopper's first widget visit makes their referral code, from candidates of their own:
should a database crash lose that commit, the next visit makes the very same code, and
queues its friend discount's job again. Over HTTP with the proxy's signatures and the real
database."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import delete, select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import OTHER_SHOP
from tests.storefront.conftest import ProxyClient

Member = Callable[[int], int]
SYNC_JOB = "referrals.sync_friend_discount"


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
