"""Installing the app: authorization code, token exchange, custom app; tokens and refresh."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests
from click.testing import CliRunner
from sqlalchemy import select, text

from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.shops.tokens import access_token
from tests.conftest import API_KEY, SHOP

TOPICS = {
    "ORDERS_PAID",
    "ORDERS_CANCELLED",
    "REFUNDS_CREATE",
    "CUSTOMERS_CREATE",
    "CUSTOMERS_UPDATE",
    "CUSTOMERS_DELETE",
    "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE",
    "APP_UNINSTALLED",
}


def standin_state(standin, shop: str = SHOP) -> dict:
    response = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=5)
    response.raise_for_status()
    return response.json()


def subscription_topics(standin, shop: str = SHOP) -> list[str]:
    return sorted(s["topic"] for s in standin_state(standin, shop)["webhook_subscriptions"])


def stored_shop(services: Services, domain: str = SHOP) -> Shop | None:
    with services.db.sessions() as session:
        return session.scalar(select(Shop).where(Shop.domain == domain))


def oauth_install(http: requests.Session, shop: str = SHOP) -> requests.Response:
    """Walk the authorization-code flow as a merchant's browser would."""
    start = http.get("/auth/install", params={"shop": shop})
    assert start.status_code == 302, start.text
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert authorize.status_code == 302, authorize.text
    callback = urlsplit(authorize.headers["Location"])
    return http.get(f"{callback.path}?{callback.query}")


def test_install_start_redirects_to_the_shops_authorize_page(http, standin) -> None:
    response = http.get("/auth/install", params={"shop": SHOP})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{standin.url}/{SHOP}/admin/oauth/authorize"
    )
    query = parse_qs(target.query)
    assert query["client_id"] == [API_KEY]
    assert query["redirect_uri"][0].endswith("/auth/callback")
    assert len(query["state"][0]) >= 24
    assert "grant_options[]" not in query  # offline token


def test_install_start_refuses_a_malformed_shop_domain(http) -> None:
    for shop in ("evil.com", "-x.myshopify.com", "a.myshopify.com.evil.com", ""):
        response = http.get("/auth/install", params={"shop": shop})
        assert response.status_code == 400
        assert response.json()["field"] == "shop"


def test_authorization_code_install_stores_expiring_tokens_and_registers_webhooks(
    http, standin, services: Services
) -> None:
    response = oauth_install(http)
    assert response.status_code == 302
    shop = stored_shop(services)
    assert shop is not None and shop.is_installed
    assert shop.install_method == "authorization_code"
    assert shop.refresh_token_encrypted is not None
    assert shop.access_token_expires_at is not None
    assert shop.refresh_token_expires_at is not None
    remaining = shop.access_token_expires_at - utcnow()
    assert timedelta(minutes=55) < remaining <= timedelta(minutes=60)
    assert shop.refresh_token_expires_at - utcnow() > timedelta(days=89)
    assert sorted(subscription_topics(standin)) == sorted(TOPICS)


def test_reinstalling_duplicates_no_webhook(http, standin, services: Services) -> None:
    oauth_install(http)
    oauth_install(http)
    assert sorted(subscription_topics(standin)) == sorted(TOPICS)
    with services.db.sessions() as session:
        assert len(session.scalars(select(Shop)).all()) == 1


def test_a_tampered_callback_hmac_is_403(http) -> None:
    start = http.get("/auth/install", params={"shop": SHOP})
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    params = parse_qs(callback.query)
    params["hmac"] = ["0" * 64]
    response = http.get(callback.path, params={k: v[0] for k, v in params.items()})
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_hmac"


def test_a_callback_with_another_state_is_403(http, standin) -> None:
    http.get("/auth/install", params={"shop": SHOP})  # sets this browser's state cookie
    other_browser = requests.Session()
    start = other_browser.get(
        f"{http.base_url}/auth/install", params={"shop": SHOP}, allow_redirects=False, timeout=10
    )
    authorize = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorize.headers["Location"])
    response = http.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_state"


def test_token_exchange_installs_an_embedded_shop(
    http, session_token: Callable[..., str], standin, services: Services
) -> None:
    response = http.get(
        "/admin/api/privacy/exports", headers={"Authorization": f"Bearer {session_token()}"}
    )
    assert response.status_code == 200
    assert response.json() == {"exports": []}
    shop = stored_shop(services)
    assert shop is not None and shop.install_method == "token_exchange"
    assert shop.refresh_token_encrypted is not None
    assert sorted(subscription_topics(standin)) == sorted(TOPICS)


def test_an_expired_session_token_is_401_and_installs_nothing(
    http, session_token: Callable[..., str], services: Services
) -> None:
    token = session_token(now=utcnow().timestamp() - 3600)
    response = http.get("/admin/api/privacy/exports", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert stored_shop(services) is None


def test_a_session_token_signed_with_another_secret_is_401(http, services) -> None:
    from shopify_loyalty.standin.session_tokens import mint_session_token

    token = mint_session_token(SHOP, API_KEY, "not-the-secret-but-long-enough-for-hs256")
    response = http.get("/admin/api/privacy/exports", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert stored_shop(services) is None


def test_tokens_are_encrypted_at_rest(shop: str, services: Services) -> None:
    token = access_token(services, shop)
    with services.db.engine.connect() as connection:
        raw = connection.execute(
            text("SELECT access_token_encrypted, refresh_token_encrypted FROM shops")
        ).one()
    assert token not in "".join(raw)
    assert services.cipher.decrypt(raw[0]) == token


def test_an_access_token_about_to_lapse_is_refreshed_and_kept(
    shop: str, services: Services
) -> None:
    before = access_token(services, shop)
    with services.db.transaction() as session:
        stored = session.scalars(select(Shop)).one()
        stored.access_token_expires_at = utcnow() + timedelta(minutes=2)
        old_refresh = stored.refresh_token_encrypted
    after = access_token(services, shop)
    assert after != before
    refreshed = stored_shop(services)
    assert refreshed is not None and refreshed.access_token_expires_at is not None
    assert refreshed.refresh_token_encrypted != old_refresh
    assert refreshed.access_token_expires_at - utcnow() > timedelta(minutes=55)
    assert access_token(services, shop) == after


def test_an_admin_call_after_shopify_revoked_the_token_refreshes_once(
    shop: str, services: Services, standin
) -> None:
    from shopify_loyalty.shops.install import admin_client

    client = admin_client(services, shop)
    requests.post(f"{standin.url}/_standin/shops/{shop}/expire-token", timeout=5).raise_for_status()
    data = client.execute("query { shop { name } }")
    assert data["shop"]["name"]


def test_custom_app_install_by_command(standin, services: Services, live, monkeypatch) -> None:
    settings = services.settings
    grant = requests.post(f"{standin.url}/_standin/shops/{SHOP}/custom-app-token", timeout=5).json()
    for name, value in {
        "SHOPIFY_API_KEY": settings.api_key,
        "SHOPIFY_API_SECRET": settings.api_secret,
        "APP_URL": settings.app_url,
        "DATABASE_URL": settings.database_url,
        "LOYALTY_ENCRYPTION_KEY": ",".join(settings.encryption_keys),
        "SHOPIFY_ADMIN_URL": settings.admin_url_template,
        "LOYALTY_INSTANCE_PATH": str(settings.instance_path),
    }.items():
        monkeypatch.setenv(name, value)
    from shopify_loyalty.cli import main

    result = CliRunner().invoke(main, ["shops", "add", SHOP, "--token", grant["access_token"]])
    assert result.exit_code == 0, result.output
    assert f"installed {SHOP}" in result.output
    shop = stored_shop(services)
    assert shop is not None
    assert shop.install_method == "custom_app"
    assert shop.access_token_expires_at is None
    assert sorted(subscription_topics(standin)) == sorted(TOPICS)
    bad = CliRunner().invoke(main, ["shops", "add", "evil.com", "--token", "x"])
    assert bad.exit_code == 2
    assert "must be a domain like example.myshopify.com" in bad.output
