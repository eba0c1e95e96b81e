"""Rate limits on the storefront's writes: per shopper and per shop, kept in the database so
that every web process counts against the same numbers."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.storefront.models import RateLimitCounter
from shopify_loyalty.storefront.rate_limits import (
    SHOP_WRITES_PER_MINUTE,
    SHOPPER_WRITES_PER_MINUTE,
    count_write,
    window_start,
)
from tests.conftest import new_id
from tests.storefront.conftest import ProxyClient

Member = Callable[[int], int]
BIRTHDAY = {"birthday": "1990-05-17"}


def start_early_in_a_window() -> None:
    """The counters start again each minute: a test that fills a window waits until it has
    the better part of one ahead of it, so the window cannot turn over in the middle."""
    seconds_left = 60 - time.time() % 60
    if seconds_left < 20:
        time.sleep(seconds_left + 0.1)


def test_a_shopper_is_slowed_down_after_ten_writes_a_minute(
    proxy: ProxyClient, member: Member
) -> None:
    customer, neighbour = member(0), member(0)
    start_early_in_a_window()
    for _ in range(SHOPPER_WRITES_PER_MINUTE):
        assert proxy.post("/api/birthday", customer, BIRTHDAY).status_code == 200

    refused = proxy.post("/api/birthday", customer, BIRTHDAY)

    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert refused.json() == {
        "error": "rate_limited",
        "message": f"Too many requests; please try again in {wait} seconds.",
        "field": None,
        "retry_after": wait,
    }
    assert proxy.post("/api/redeem", customer, {"reward_id": 1}).status_code == 429
    assert proxy.post("/api/birthday", neighbour, BIRTHDAY).status_code == 200
    assert proxy.get("/api/me", customer).status_code == 200  # reading is never limited


def test_the_whole_shop_is_limited_across_web_processes(
    proxy: ProxyClient, member: Member, services: Services, shop: str
) -> None:
    # Another web process counted the shop's writes: the same rows, another connection.
    start_early_in_a_window()
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        for _ in range(SHOP_WRITES_PER_MINUTE):
            assert count_write(session, shop_row, new_id()) is None

    refused = proxy.post("/api/birthday", member(0), BIRTHDAY)

    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"


def test_counters_start_again_each_minute_and_old_ones_are_deleted(
    services: Services, shop: str
) -> None:
    customer = new_id()
    start = window_start(utcnow())
    with services.db.transaction() as session:
        shop_row = session.scalars(select(Shop).where(Shop.domain == shop)).one()
        long_ago = start - timedelta(hours=2)
        for _ in range(SHOPPER_WRITES_PER_MINUTE + 1):
            count_write(session, shop_row, customer, now=long_ago)
        assert count_write(session, shop_row, customer, now=long_ago) is not None

        assert count_write(session, shop_row, customer, now=start) is None

        windows = session.scalar(
            select(func.count(RateLimitCounter.id)).where(RateLimitCounter.window_start < start)
        )
        assert windows == 0
