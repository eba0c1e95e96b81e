"""The language of a shopper's emails: the customer's Shopify locale when we write it,
else English (the app keeps no shop language of its own)."""

from __future__ import annotations

from shopify_loyalty.customers.models import Customer

LOCALES = ("en", "de")
DEFAULT_LOCALE = "en"


def email_locale(requested: str | None) -> str:
    """``de``, ``de-DE`` or ``de_AT`` -> ``de``; anything we do not write -> English."""
    language = (requested or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else DEFAULT_LOCALE


def customer_locale(customer: Customer) -> str:
    return email_locale(customer.locale)
