"""Code exchange, token exchange and refresh against the stand-in's access_token endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shopify_loyalty.settings import Settings
from shopify_loyalty.shopify.oauth_client import (
    OAuthError,
    TokenGrant,
    exchange_code,
    exchange_session_token,
    refresh_access_token,
)
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.session_tokens import mint_session_token


def assert_close(moment: datetime | None, expected: datetime) -> None:
    assert moment is not None and moment.tzinfo is not None
    assert abs((moment - expected).total_seconds()) < 10


def test_a_code_buys_an_expiring_token_with_a_refresh_token(
    install: Callable[..., TokenGrant], standin: StandinServer, shop_domain: str
) -> None:
    grant = install()

    now = datetime.now(UTC)
    assert grant.access_token.startswith("shpua_")
    assert grant.scope == ("read_orders", "write_customers", "write_discounts")
    assert_close(grant.expires_at, now + timedelta(hours=1))
    assert grant.refresh_token
    assert_close(grant.refresh_token_expires_at, now + timedelta(days=90))
    assert grant.access_token not in repr(grant)
    assert grant.refresh_token not in repr(grant)
    [token] = standin.control.shop(shop_domain)["access_tokens"]
    assert token["live"] is True


def test_a_session_token_is_exchanged_for_an_expiring_offline_token(
    settings: Settings, shop_domain: str
) -> None:
    session_token = mint_session_token(shop_domain, settings.api_key, settings.api_secret)

    grant = exchange_session_token(settings, shop_domain, session_token)

    assert_close(grant.expires_at, datetime.now(UTC) + timedelta(hours=1))
    assert grant.refresh_token


@pytest.mark.parametrize(
    "overrides",
    [
        {"now": time.time() - 120},
        {"aud": "another-app"},
        {"dest": "https://other-shop.myshopify.com"},
    ],
    ids=["expired", "wrong-audience", "another-shop"],
)
def test_a_bad_session_token_is_refused(
    settings: Settings, shop_domain: str, overrides: dict[str, Any]
) -> None:
    session_token = mint_session_token(
        shop_domain, settings.api_key, settings.api_secret, **overrides
    )

    with pytest.raises(OAuthError) as refused:
        exchange_session_token(settings, shop_domain, session_token)

    assert refused.value.reason == "invalid_subject_token"
    assert refused.value.status == 400
    assert refused.value.retryable is False
    assert session_token not in str(refused.value)


def test_refresh_rotates_and_the_old_refresh_token_is_refused(
    install: Callable[..., TokenGrant], settings: Settings, standin: StandinServer, shop_domain: str
) -> None:
    first = install()
    assert first.refresh_token

    second = refresh_access_token(settings, shop_domain, first.refresh_token)
    with pytest.raises(OAuthError) as refused:
        refresh_access_token(settings, shop_domain, first.refresh_token)

    assert second.access_token != first.access_token
    assert second.refresh_token not in (None, first.refresh_token)
    assert refused.value.reason == "invalid_grant"
    assert refused.value.status == 400
    assert first.refresh_token not in str(refused.value)
    live = [t for t in standin.control.shop(shop_domain)["access_tokens"] if t["live"]]
    assert [t["token_suffix"] for t in live] == [second.access_token[-4:]]


def test_a_new_expiring_token_revokes_the_previous_one(
    install: Callable[..., TokenGrant], standin: StandinServer, shop_domain: str
) -> None:
    install()
    install()

    tokens = standin.control.shop(shop_domain)["access_tokens"]
    assert [t["live"] for t in tokens] == [False, True]


def test_server_errors_are_retried_with_backoff(
    settings: Settings, standin: StandinServer, shop_domain: str
) -> None:
    waits: list[float] = []
    session_token = mint_session_token(shop_domain, settings.api_key, settings.api_secret)
    standin.control.queue_fault(shop_domain, status=503, count=2, target="oauth")

    grant = exchange_session_token(settings, shop_domain, session_token, sleep=waits.append)

    assert grant.access_token
    assert waits == [0.5, 1.0]


def test_three_server_errors_give_up_with_a_retryable_error(
    install: Callable[..., TokenGrant], settings: Settings, standin: StandinServer, shop_domain: str
) -> None:
    refresh_token = install().refresh_token
    assert refresh_token
    standin.control.queue_fault(shop_domain, status=500, count=3, target="oauth")

    with pytest.raises(OAuthError) as failed:
        refresh_access_token(settings, shop_domain, refresh_token, sleep=lambda _s: None)

    assert (failed.value.reason, failed.value.status, failed.value.retryable) == (
        "server_error",
        500,
        True,
    )


def test_a_spent_code_is_refused(
    settings: Settings, code_for: Callable[[str], str], shop_domain: str
) -> None:
    code = code_for(shop_domain)
    exchange_code(settings, shop_domain, code)

    with pytest.raises(OAuthError) as refused:
        exchange_code(settings, shop_domain, code)

    assert refused.value.reason == "invalid_request"


def test_no_request_is_made_for_a_domain_that_is_not_a_shop(settings: Settings) -> None:
    with pytest.raises(ValueError):
        exchange_code(settings, "evil.com/x?", "code")
