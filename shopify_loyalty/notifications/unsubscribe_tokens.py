"""The signed token of an unsubscribe link: the shop and the customer, nothing else.

Signed with the app's secret (itsdangerous, a salt of its own), so it works without a login
and cannot be made for another customer or shop. It does not expire: an unsubscribe link in
an old email must still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    shop_domain: str
    shopify_customer_id: int


def unsubscribe_token(secret: str, shop_domain: str, shopify_customer_id: int) -> str:
    return str(URLSafeSerializer(secret, salt=SALT).dumps([shop_domain, shopify_customer_id]))


def read_unsubscribe_token(secret: str, token: str) -> UnsubscribeTarget | None:
    """The shop and customer the token was made for; None for a forged or broken token."""
    try:
        value = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], str)
        or not isinstance(value[1], int)
    ):
        return None
    return UnsubscribeTarget(value[0], value[1])
