"""AdminClient against the stand-in: retries, throttling, refresh on 401, typed errors."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import shopify

from shopify_loyalty.settings import Settings
from shopify_loyalty.shopify.admin_client import (
    AdminApiError,
    AdminClient,
    AdminUserError,
    ThrottleState,
    raise_for_user_errors,
)
from shopify_loyalty.shopify.oauth_client import TokenGrant, refresh_access_token
from shopify_loyalty.standin.app import StandinServer

SHOP_QUERY = "query { shop { name myshopifyDomain } }"
CREATE_DISCOUNT = """
mutation Reward($d: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $d) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""


def reward(code: str) -> dict:
    return {
        "title": "Loyalty reward",
        "code": code,
        "context": {"customers": {"add": ["gid://shopify/Customer/1"]}},
        "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
        "usageLimit": 1,
    }


def graphql_calls(standin: StandinServer, shop: str) -> int:
    return int(standin.control.shop(shop)["requests"].get("graphql", 0))


def test_a_query_returns_its_data_and_leaves_no_session_behind(
    make_client: Callable[..., AdminClient], shop_domain: str
) -> None:
    client = make_client()

    data = client.execute(SHOP_QUERY)

    assert data == {"shop": {"name": "Corner Store", "myshopifyDomain": shop_domain}}
    assert client.last_cost and client.last_cost["requestedQueryCost"] == 1
    assert shopify.ShopifyResource.get_site() is None
    assert "X-Shopify-Access-Token" not in shopify.ShopifyResource.get_headers()


def test_429_and_500_are_retried_until_the_call_succeeds(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client()
    standin.control.queue_fault(shop_domain, status=429)
    standin.control.queue_fault(shop_domain, status=500)

    data = client.execute(SHOP_QUERY)

    assert data["shop"]["name"] == "Corner Store"
    assert sleeps.durations[0] == 1.0  # Retry-After
    assert 0.5 <= sleeps.durations[1] <= 1.0  # second attempt: backoff of up to 1 s
    assert graphql_calls(standin, shop_domain) == 3


def test_it_gives_up_after_max_attempts_with_a_retryable_error(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client(max_attempts=3)
    standin.control.queue_fault(shop_domain, status=503, count=5)

    with pytest.raises(AdminApiError) as failed:
        client.execute(SHOP_QUERY)

    assert (failed.value.kind, failed.value.retryable, failed.value.status) == ("server", True, 503)
    assert graphql_calls(standin, shop_domain) == 3
    assert len(sleeps.durations) == 2
    assert all(0 < d <= 8.0 for d in sleeps.durations)


def test_a_slow_answer_times_out_and_the_retry_succeeds(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client(timeout=0.3)
    standin.control.queue_fault(shop_domain, delay_seconds=1.0)

    started = time.monotonic()
    data = client.execute(SHOP_QUERY)

    assert data["shop"]["name"] == "Corner Store"
    assert time.monotonic() - started < 0.9
    assert len(sleeps.durations) == 1


def test_timeouts_that_never_end_are_a_timeout_error(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    client = make_client(timeout=0.2, max_attempts=2)
    standin.control.queue_fault(shop_domain, delay_seconds=0.5, count=2)

    with pytest.raises(AdminApiError) as failed:
        client.execute(SHOP_QUERY)

    assert (failed.value.kind, failed.value.retryable) == ("timeout", True)


def test_it_waits_before_a_call_the_bucket_cannot_pay(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client()
    standin.control.set_throttle(shop_domain, currently_available=3, restore_rate=1)
    client.execute(SHOP_QUERY)  # costs 1, leaves 2 points at 1 point/s
    sleeps.then = lambda _s: standin.control.set_throttle(shop_domain, currently_available=100)

    client.execute(CREATE_DISCOUNT, {"d": reward("WAIT-1")})

    [waited] = sleeps.durations
    assert 7.9 <= waited <= 8.0  # (10 - 2) / 1
    assert len(standin.control.shop(shop_domain)["discounts"]) == 1


def test_a_throttled_answer_waits_for_the_bucket_and_retries(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client()
    standin.control.set_throttle(shop_domain, currently_available=0, restore_rate=2)
    sleeps.then = lambda _s: standin.control.set_throttle(shop_domain, currently_available=100)

    data = client.execute(CREATE_DISCOUNT, {"d": reward("THROTTLED-1")})

    assert raise_for_user_errors(data, "discountCodeBasicCreate")["codeDiscountNode"]["id"]
    [waited] = sleeps.durations
    assert 4.9 <= waited <= 5.0  # (10 - 0) / 2
    assert graphql_calls(standin, shop_domain) == 2


def test_clients_sharing_a_throttle_state_wait_for_each_other(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    shared = ThrottleState()
    first = make_client(throttle=shared)
    standin.control.set_throttle(shop_domain, currently_available=1, restore_rate=1)
    first.execute(SHOP_QUERY)  # spends the last point
    second = make_client(throttle=shared)
    sleeps.then = lambda _s: standin.control.set_throttle(shop_domain, currently_available=100)

    second.execute(CREATE_DISCOUNT, {"d": reward("SHARED-1")})

    [waited] = sleeps.durations
    assert 9.8 <= waited <= 10.0


def test_an_expired_token_is_refreshed_once_and_the_call_succeeds(
    install: Callable[..., TokenGrant],
    settings: Settings,
    standin: StandinServer,
    shop_domain: str,
    sleeps,
) -> None:
    grant = install()
    refreshes: list[str] = []

    def refresh() -> str:
        assert grant.refresh_token
        fresh = refresh_access_token(settings, shop_domain, grant.refresh_token)
        refreshes.append(fresh.access_token)
        return fresh.access_token

    client = AdminClient(
        settings, shop_domain, grant.access_token, on_unauthorized=refresh, sleep=sleeps
    )
    standin.control.expire_token(shop_domain)

    data = client.execute(SHOP_QUERY)

    assert data["shop"]["myshopifyDomain"] == shop_domain
    assert len(refreshes) == 1
    assert client.execute(SHOP_QUERY)["shop"]
    assert len(refreshes) == 1


def test_a_refused_token_without_a_refresh_is_unauthorized(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    client = make_client()
    standin.control.expire_token(shop_domain)

    with pytest.raises(AdminApiError) as refused:
        client.execute(SHOP_QUERY)

    assert (refused.value.kind, refused.value.retryable, refused.value.status) == (
        "unauthorized",
        False,
        401,
    )


def test_a_refresh_that_still_gets_401_stops_after_one_try(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    calls: list[int] = []

    def refresh() -> str:
        calls.append(1)
        return "shpua_still-wrong"

    client = make_client(on_unauthorized=refresh)
    standin.control.expire_token(shop_domain)

    with pytest.raises(AdminApiError) as refused:
        client.execute(SHOP_QUERY)

    assert refused.value.kind == "unauthorized"
    assert calls == [1]


def test_graphql_errors_raise_without_retrying(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client()

    with pytest.raises(AdminApiError) as failed:
        client.execute("query { shop { name } loyaltyBalance }")

    assert (failed.value.kind, failed.value.retryable) == ("graphql", False)
    assert "loyaltyBalance" in failed.value.message
    assert sleeps.durations == []


def test_shopifys_internal_error_is_retried(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str, sleeps
) -> None:
    client = make_client()
    standin.control.queue_fault(shop_domain, graphql_error="INTERNAL_SERVER_ERROR")

    assert client.execute(SHOP_QUERY)["shop"]["name"] == "Corner Store"
    assert len(sleeps.durations) == 1


def test_a_duplicate_discount_code_raises_a_user_error(
    make_client: Callable[..., AdminClient],
) -> None:
    client = make_client()
    first = client.execute(CREATE_DISCOUNT, {"d": reward("LOY-ONCE")})
    raise_for_user_errors(first, "discountCodeBasicCreate")
    again = client.execute(CREATE_DISCOUNT, {"d": reward("LOY-ONCE")})

    with pytest.raises(AdminUserError) as refused:
        raise_for_user_errors(again, "discountCodeBasicCreate")

    assert refused.value.kind == "user"
    assert refused.value.retryable is False
    assert refused.value.codes == ["TAKEN"]
    assert "basicCodeDiscount.code" in str(refused.value)


def test_tokens_stay_out_of_reprs_and_errors(
    make_client: Callable[..., AdminClient], standin: StandinServer, shop_domain: str
) -> None:
    token = standin.control.issue_token(shop_domain)["access_token"]
    client = make_client(access_token=token, max_attempts=1)
    standin.control.queue_fault(shop_domain, status=502)

    with pytest.raises(AdminApiError) as failed:
        client.execute(SHOP_QUERY)

    assert token not in repr(client)
    assert token not in str(failed.value)


def test_a_domain_that_is_not_a_shop_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError):
        AdminClient(settings, "evil.example", "token")
