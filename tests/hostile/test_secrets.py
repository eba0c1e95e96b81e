"""Secrets: access and refresh tokens are encrypted at rest, and neither they nor the app's
secret appear in any log line, printed output or error, through install, a failed refresh
and Admin API errors. (Key rotation: tests/test_key_rotation.py.)"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import String, Text, select

from shopify_loyalty.models import Base
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.shops.tokens import access_token
from shopify_loyalty.standin.app import StandinServer
from tests.conftest import API_SECRET, SHOP
from tests.hostile.conftest import bearer


def stored_tokens(services: Services) -> list[str]:
    with services.db.sessions() as session:
        shops = session.scalars(select(Shop)).all()
        return [
            services.cipher.decrypt(value)
            for shop in shops
            for value in (shop.access_token_encrypted, shop.refresh_token_encrypted)
            if value
        ]


def every_stored_text(services: Services) -> str:
    """Every text column of every row of every table, raw as the database holds it."""
    parts: list[str] = []
    with services.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in connection.execute(select(*columns)):
                    parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)


def test_tokens_are_encrypted_at_rest_in_every_table(
    install: Callable[[str], None], services: Services
) -> None:
    install(SHOP)
    tokens = stored_tokens(services)

    raw = every_stored_text(services)

    assert len(tokens) == 2 and all(len(token) > 10 for token in tokens)
    assert not [token for token in tokens if token in raw]
    assert API_SECRET not in raw


def test_no_token_or_secret_reaches_logs_output_or_errors(
    install: Callable[[str], None],
    services: Services,
    standin: StandinServer,
    http: requests.Session,
    session_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    install(SHOP)
    seen += stored_tokens(services)
    faults = f"{standin.url}/_standin/shops/{SHOP}/faults"

    # The Admin API failing: the client's errors and our answer to the merchant.
    requests.post(faults, json={"status": 500, "count": 6}, timeout=5).raise_for_status()
    client = AdminClient(
        services.settings, SHOP, access_token(services, SHOP), sleep=lambda _s: None
    )
    with pytest.raises(Exception) as admin_failure:  # noqa: PT011
        client.execute("query { shop { name } }")
    requests.delete(faults, timeout=5).raise_for_status()
    requests.post(
        faults, json={"graphql_error": "ACCESS_DENIED", "count": 6}, timeout=5
    ).raise_for_status()
    answer = http.get("/admin/api/storefront/embed", headers=bearer(session_token(SHOP)))
    requests.delete(faults, timeout=5).raise_for_status()

    # The refresh failing: Shopify's token endpoint answering 500 while the token is expired.
    requests.post(
        faults, json={"status": 500, "count": 20, "target": "oauth"}, timeout=5
    ).raise_for_status()
    with pytest.raises(Exception) as refresh_failure:  # noqa: PT011
        access_token(services, SHOP, force_refresh=True)
    requests.delete(faults, timeout=5).raise_for_status()
    access_token(services, SHOP, force_refresh=True)
    seen += stored_tokens(services)

    printed = capsys.readouterr()
    told = "\n".join(
        [
            caplog.text,
            printed.out,
            printed.err,
            repr(admin_failure.value),
            str(admin_failure.value),
            repr(refresh_failure.value),
            str(refresh_failure.value),
            answer.text,
        ]
    )
    assert answer.status_code >= 400
    assert not [token for token in set(seen) if token in told]
    assert API_SECRET not in told
