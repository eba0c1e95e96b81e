"""The stand-in's OAuth endpoints answer like Shopify's."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import shopify

from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.oauth import sign_query_params
from shopify_loyalty.standin.session_tokens import mint_session_token

REDIRECT_URI = "https://loyalty.example/auth/callback"


def authorize(standin: StandinServer, shop: str, **params: str) -> requests.Response:
    query = {
        "client_id": standin.state.api_key,
        "scope": "read_orders,write_discounts",
        "redirect_uri": REDIRECT_URI,
        "state": "nonce-123",
        **params,
    }
    return requests.get(
        f"{standin.url}/{shop}/admin/oauth/authorize",
        params=query,
        allow_redirects=False,
        timeout=10,
    )


def callback_params(response: requests.Response) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


def token_request(standin: StandinServer, shop: str, **body: str) -> requests.Response:
    credentials = {"client_id": standin.state.api_key, "client_secret": standin.state.api_secret}
    return requests.post(
        f"{standin.url}/{shop}/admin/oauth/access_token",
        data={**credentials, **body},
        timeout=10,
    )


def test_the_published_install_vector_signs_to_the_published_hmac() -> None:
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "state": "0.6784241404160823",
        "timestamp": "1337178173",
        "hmac": "ignored when signing",
    }

    assert sign_query_params(params, "hush") == (
        "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    )


def test_authorize_redirects_to_the_callback_with_an_hmac_shopify_api_accepts(
    standin: StandinServer, shop_domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = authorize(standin, shop_domain)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = callback_params(response)
    assert set(params) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert params["shop"] == shop_domain
    assert params["state"] == "nonce-123"
    assert abs(int(params["timestamp"]) - time.time()) < 5
    monkeypatch.setattr(shopify.Session, "secret", standin.state.api_secret)
    assert shopify.Session.validate_params(params)
    monkeypatch.setattr(shopify.Session, "secret", "another-secret")
    assert not shopify.Session.validate_params(params)


def test_authorize_refuses_an_unknown_client_id(standin: StandinServer, shop_domain: str) -> None:
    response = authorize(standin, shop_domain, client_id="someone-else")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_authorize_only_redirects_to_the_apps_own_origin(shop_domain: str) -> None:
    with StandinServer(
        "key", "a-secret-long-enough-for-hs256-signing", app_url="https://loyalty.example"
    ) as standin:
        allowed = authorize(standin, shop_domain)
        refused = authorize(standin, shop_domain, redirect_uri="https://evil.example/cb")

    assert allowed.status_code == 302
    assert refused.status_code == 400


def test_an_invalid_shop_domain_is_not_found(standin: StandinServer) -> None:
    response = authorize(standin, "evil.com")

    assert response.status_code == 404


def test_a_code_without_expiring_gives_a_lasting_token_and_works_only_once(
    standin: StandinServer, shop_domain: str
) -> None:
    code = callback_params(authorize(standin, shop_domain))["code"]

    first = token_request(standin, shop_domain, code=code)
    second = token_request(standin, shop_domain, code=code)

    assert first.status_code == 200
    assert set(first.json()) == {"access_token", "scope"}
    assert first.json()["scope"] == "read_orders,write_discounts"
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_request"


def test_a_wrong_client_secret_is_refused(standin: StandinServer, shop_domain: str) -> None:
    code = callback_params(authorize(standin, shop_domain))["code"]

    response = token_request(standin, shop_domain, code=code, client_secret="guess")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_token_exchange_refuses_a_session_token_signed_with_another_secret(
    standin: StandinServer, shop_domain: str
) -> None:
    forged = mint_session_token(
        shop_domain, standin.state.api_key, "not-the-secret-but-just-as-long-as-one"
    )

    response = token_request(
        standin,
        shop_domain,
        grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token=forged,
        subject_token_type="urn:ietf:params:oauth:token-type:id_token",
        requested_token_type="urn:shopify:params:oauth:token-type:offline-access-token",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subject_token"


def test_token_exchange_refuses_a_session_token_for_another_shop(
    standin: StandinServer, shop_domain: str
) -> None:
    other = mint_session_token(
        "other-shop.myshopify.com", standin.state.api_key, standin.state.api_secret
    )

    response = token_request(
        standin,
        shop_domain,
        grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token=other,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_subject_token"


def test_an_online_token_comes_with_its_user(standin: StandinServer, shop_domain: str) -> None:
    token = mint_session_token(
        shop_domain, standin.state.api_key, standin.state.api_secret, user_id="42"
    )

    response = token_request(
        standin,
        shop_domain,
        grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
        subject_token=token,
        requested_token_type="urn:shopify:params:oauth:token-type:online-access-token",
    )

    assert response.status_code == 200
    assert response.json()["associated_user"]["id"] == 42
    assert response.json()["expires_in"] == 86399
