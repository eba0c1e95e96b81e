"""Minted session tokens look exactly like App Bridge's to ShopifyAPI's own decoder."""

from __future__ import annotations

import time

import jwt
import pytest
import shopify.session_token

from shopify_loyalty.standin.session_tokens import mint_session_token

KEY = "session-key"
SECRET = "session-secret-long-enough-for-hs256-0123"


def test_shopify_api_decodes_a_minted_token(shop_domain: str) -> None:
    token = mint_session_token(shop_domain, KEY, SECRET, user_id="42")

    claims = shopify.session_token.decode_from_header(f"Bearer {token}", KEY, SECRET)

    assert claims["iss"] == f"https://{shop_domain}/admin"
    assert claims["dest"] == f"https://{shop_domain}"
    assert claims["aud"] == KEY
    assert claims["sub"] == "42"
    assert claims["exp"] - claims["nbf"] == 60
    assert claims["jti"] and claims["sid"]


def test_an_old_token_is_expired(shop_domain: str) -> None:
    token = mint_session_token(shop_domain, KEY, SECRET, now=time.time() - 120)

    with pytest.raises(shopify.session_token.SessionTokenError):
        shopify.session_token.decode_from_header(f"Bearer {token}", KEY, SECRET)


def test_overrides_replace_or_remove_claims(shop_domain: str) -> None:
    token = mint_session_token(shop_domain, KEY, SECRET, aud="another-app", sid=None)

    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="another-app")
    assert "sid" not in claims
    with pytest.raises(shopify.session_token.SessionTokenError):
        shopify.session_token.decode_from_header(f"Bearer {token}", KEY, SECRET)
