"""The language of an email: the customer's Shopify locale when we write it, else the
shop's default language for emails (``email_branding.default_locale``, English unless set)."""

from __future__ import annotations

from shopify_loyalty.customers.models import Customer

LOCALES = ("en", "de")
DEFAULT_LOCALE = "en"


def email_locale(requested: str | None, default: str = DEFAULT_LOCALE) -> str:
    """``de``, ``de-DE`` or ``de_AT`` -> ``de``; anything we do not write -> ``default``."""
    language = (requested or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else default


def customer_locale(customer: Customer, default: str = DEFAULT_LOCALE) -> str:
    return email_locale(customer.locale, default)
