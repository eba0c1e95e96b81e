"""Forged, stale and borrowed credentials: webhook signatures, app proxy signatures and
session tokens. Each is refused with 401 and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests
from sqlalchemy import func, select

from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.session_tokens import mint_session_token
from shopify_loyalty.standin.webhook_sender import WebhookSender, sign_webhook_body
from tests.conftest import API_KEY, API_SECRET, OTHER_SHOP, SHOP, new_id, sample
from tests.hostile.conftest import FirstShop, bearer, proxy_url
from tests.storefront.signing import signed_query

# The forged tokens are signed with short keys on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:The HMAC key is")


def events(services: Services) -> int:
    with services.db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(WebhookEvent)) or 0)


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(shop: str = SHOP, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    found = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": API_KEY,
        "sub": "1",
        "exp": now + 60,
        "nbf": now,
        "iat": now,
        "jti": "jti-1",
        "sid": "sid-1",
    }
    for key, value in changes.items():
        if value is None:
            found.pop(key, None)
        else:
            found[key] = value
    return found


# -- webhooks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forge",
    [
        "missing",
        "another secret",
        "over a different body",
        "hex instead of base64",
        "truncated",
        "not ascii",
    ],
)
def test_a_webhook_with_a_forged_signature_is_401_and_stores_nothing(
    shop: str, http: requests.Session, services: Services, forge: str
) -> None:
    body = json.dumps(sample("orders/paid", id=new_id())).encode()
    right = sign_webhook_body(body, API_SECRET)
    signature = {
        "missing": None,
        "another secret": sign_webhook_body(body, "not-the-secret"),
        "over a different body": sign_webhook_body(body + b" ", API_SECRET),
        "hex instead of base64": hmac.new(API_SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "truncated": right[:-4],
        "not ascii": right[:-1] + "é",
    }[forge]
    headers = {
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Shop-Domain": shop,
        "Content-Type": "application/json",
    }
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature

    response = http.post("/webhooks", data=body, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_hmac"
    assert events(services) == 0


def test_a_delivery_under_another_shops_domain_touches_only_that_shop(
    first_shop: FirstShop,
    sender: WebhookSender,
    settle: Callable[..., None],
    http: requests.Session,
    session_token: Callable[..., str],
) -> None:
    """The signature covers the body, not the headers: naming the first shop's customer in a
    delivery for the second shop must not reach the first shop's ledger."""
    before = http.get(
        f"/admin/api/customers/{first_shop.customer_id}", headers=bearer(session_token(SHOP))
    ).json()
    payload = sample(
        "customers/redact",
        shop_domain=SHOP,
        customer={"id": first_shop.customer_id, "email": None, "phone": None},
        orders_to_redact=[first_shop.order_id],
    )

    assert sender.deliver(OTHER_SHOP, "customers/redact", payload).status_code == 200
    settle()

    after = http.get(
        f"/admin/api/customers/{first_shop.customer_id}", headers=bearer(session_token(SHOP))
    ).json()
    assert after == before


# -- app proxy ------------------------------------------------------------------------------


def test_proxy_requests_with_forged_or_stale_signatures_are_401(
    shop: str, http: requests.Session
) -> None:
    customer = new_id()
    fresh = signed_query(API_SECRET, shop, customer)
    old = signed_query(API_SECRET, shop, customer, timestamp=int(time.time()) - 91)
    future = signed_query(API_SECRET, shop, customer, timestamp=int(time.time()) + 600)
    other_secret = signed_query("not-the-secret", shop, customer)
    unsigned = fresh.rsplit("&signature=", 1)[0]
    forged = {
        "missing signature": unsigned,
        "wrong signature": unsigned + "&signature=" + "0" * 64,
        "not ascii": unsigned + "&signature=" + "é" * 64,
        "replayed after 90 seconds": old,
        "from the future": future,
        "another secret": other_secret,
        "another shopper": fresh.replace(str(customer), str(customer + 1)),
        "another shop": fresh.replace(shop, OTHER_SHOP),
        "a second shopper id": fresh + f"&logged_in_customer_id={customer + 1}",
        "a second shop": fresh + f"&shop={OTHER_SHOP}",
        "a second signature": fresh + "&signature=" + "0" * 64,
    }
    for name, query in forged.items():
        response = http.get(f"/proxy/api/me?{query}")
        assert response.status_code == 401, (name, response.status_code, response.text)
        assert response.json()["error"] == "invalid_signature", name

    assert http.get(f"/proxy/api/me?{fresh}").status_code == 200


# -- session tokens -------------------------------------------------------------------------


def forged_tokens() -> dict[str, str]:
    # Forged on purpose: another algorithm with the app's secret, or a short wrong secret.
    # PyJWT's advice on key length is for signers, not for tokens made to be refused.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return _forged_tokens()


def _forged_tokens() -> dict[str, str]:
    now = int(time.time())
    signed = lambda body, **kw: jwt.encode(body, API_SECRET, **kw)  # noqa: E731
    header_none = b64url({"alg": "none", "typ": "JWT"})
    return {
        "expired": mint_session_token(SHOP, API_KEY, API_SECRET, now=now - 120),
        "not yet valid": mint_session_token(SHOP, API_KEY, API_SECRET, now=now + 120),
        "wrong audience": mint_session_token(SHOP, "another-app", API_SECRET),
        "no audience": signed(claims(aud=None), algorithm="HS256"),
        "another secret": mint_session_token(SHOP, API_KEY, "not-the-secret"),
        "alg none": f"{header_none}.{b64url(claims())}.",
        "alg none with a signature": f"{header_none}.{b64url(claims())}.c2lnbmF0dXJl",
        "HS512": signed(claims(), algorithm="HS512"),
        "HS384": signed(claims(), algorithm="HS384"),
        "missing exp": signed(claims(exp=None), algorithm="HS256"),
        "exp as text": signed(claims(exp="9999999999"), algorithm="HS256"),
        "issuer of another shop": signed(claims(iss=f"https://{OTHER_SHOP}/admin")),
        "issuer not a shop": signed(claims(iss="https://evil.example/admin")),
        "dest not a shop": signed(
            claims(iss="https://evil.example/admin", dest="https://evil.example")
        ),
        "no dest": signed(claims(dest=None), algorithm="HS256"),
        "garbage": "not.a.token",
        "empty": "",
    }


@pytest.mark.parametrize("name", sorted(forged_tokens()))
def test_forged_session_tokens_are_401_and_install_nothing(
    name: str, shop: str, http: requests.Session, services: Services
) -> None:
    token = forged_tokens()[name]

    response = http.get("/admin/api/rewards", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401, response.text
    assert response.json()["error"] == "unauthorized"
    with services.db.sessions() as session:
        assert session.scalars(select(Shop.domain)).all() == [shop]


def test_a_token_without_the_bearer_prefix_is_401(
    shop: str, http: requests.Session, session_token: Callable[..., str]
) -> None:
    for header in (session_token(shop), f"Basic {session_token(shop)}", "Bearer"):
        response = http.get("/admin/api/rewards", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_valid_token_for_another_shop_sees_only_that_shop(
    first_shop: FirstShop, http: requests.Session, session_token: Callable[..., str]
) -> None:
    theirs = bearer(session_token(OTHER_SHOP))

    customer = http.get(f"/admin/api/customers/{first_shop.customer_id}", headers=theirs)
    page = http.get(proxy_url("/proxy/api/me", OTHER_SHOP, first_shop.customer_id))

    assert customer.status_code == 404
    assert page.status_code == 200
    assert page.json()["points_balance"] == 0
