"""The codes we make up, and issuing earned rewards once per key."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from shopify_loyalty.customers.records import CustomerDetails, record_customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.jobs.models import Job
from shopify_loyalty.rewards.codes import CODE_ALPHABET, new_code, normalise_code
from shopify_loyalty.rewards.discounts import DiscountToCreate, create_discount_code
from shopify_loyalty.rewards.issuing import issue_reward_code
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.rewards.spec import RewardSpec, reward_headline
from shopify_loyalty.services import Services
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import UNINSTALLED, Shop
from tests.engine.test_stamps_webhooks import standin_discounts

CODE = re.compile(r"LOY(-[2-9A-HJKMNP-Z]{4}){3}")


def test_codes_are_three_groups_of_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(5000)}

    assert len(codes) == 5000
    assert all(CODE.fullmatch(code) for code in codes)
    assert set(CODE_ALPHABET).isdisjoint("01OIL")
    assert len(CODE_ALPHABET) == 31


def test_codes_are_compared_upper_case_without_surrounding_space() -> None:
    assert normalise_code("  loy-7kq2-m9xd-a3bc ") == "LOY-7KQ2-M9XD-A3BC"


@pytest.mark.parametrize(
    ("kind", "value", "currency", "headline"),
    [
        ("percentage", Decimal("15"), None, "15% off"),
        ("percentage", Decimal("12.50"), None, "12.5% off"),
        ("fixed_amount", Decimal("5"), "EUR", "5.00 EUR off"),
        ("fixed_amount", Decimal("5"), None, "5.00 off"),
        ("free_shipping", Decimal("0"), "EUR", "Free shipping"),
    ],
)
def test_reward_headlines_say_what_the_shopper_gets(
    kind: str, value: Decimal, currency: str | None, headline: str
) -> None:
    assert reward_headline(kind, value, currency) == headline


def test_a_reward_spec_refuses_a_value_with_fractions_of_a_cent() -> None:
    with pytest.raises(InvalidInput) as raised:
        RewardSpec(title="Odd", kind="fixed_amount", value=Decimal("5.001"))

    assert raised.value.field == "value"


def test_issuing_an_earned_reward_twice_under_one_key_gives_one_code_and_one_job(
    services: Services,
) -> None:
    spec = RewardSpec(
        title="Referral thank-you", kind="fixed_amount", value=Decimal("10"), expiry_days=30
    )
    with services.db.transaction() as session:
        # Uninstalled, so the queued job stops at once instead of calling Shopify.
        shop = Shop(
            domain="codes-once.myshopify.com", install_method="custom_app", status=UNINSTALLED
        )
        session.add(shop)
        session.flush()
        customer = record_customer(session, shop, CustomerDetails(7_100_000_000_001))
        first = issue_reward_code(session, shop, customer, spec, source="referral", key="ref:1")
        again = issue_reward_code(session, shop, customer, spec, source="referral", key="ref:1")
        shop_id = shop.id

    with services.db.sessions() as session:
        codes = session.scalar(
            select(func.count(IssuedCode.id)).where(IssuedCode.shop_id == shop_id)
        )
        jobs = session.scalar(select(func.count(Job.id)).where(Job.shop_id == shop_id))
    assert again.id == first.id
    assert (codes, jobs) == (1, 1)
    assert first.status == "pending"
    assert first.ends_at is not None
    assert (first.ends_at - first.starts_at).days == 30


def test_a_code_job_finding_its_code_already_at_shopify_counts_it_as_created(
    services: Services, shop: str, standin: Any, settle: Callable[..., None]
) -> None:
    """What a retry sees when the first attempt landed but its answer was lost."""
    spec = RewardSpec(title="Tier welcome", kind="percentage", value=Decimal("10"))
    client = admin_client(services, shop)
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        customer = record_customer(session, shop_row, CustomerDetails(7_100_000_000_002))
        issued = issue_reward_code(session, shop_row, customer, spec, source="tier", key="t:1")
        landed = create_discount_code(client, DiscountToCreate.of(issued, customer))

    settle()

    with services.db.sessions() as session:
        after = session.get(IssuedCode, issued.id)
        assert after is not None
        assert (after.status, after.shopify_discount_id) == ("issued", landed)
    codes = [d["code"] for d in standin_discounts(standin.url, shop)]
    assert codes == [issued.code]
