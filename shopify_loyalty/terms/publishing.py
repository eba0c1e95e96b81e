"""Publishing the program's terms and reading the version shoppers see.

The merchant writes the terms as plain text, per language (English and German, the
widget's languages). Every publication is a new version numbered 1, 2, 3… within the shop
and language, dated, and never edited afterwards. Shoppers see the newest version in their
language, or the newest English one when their language has none.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.storefront.texts import DEFAULT_LOCALE, LOCALES
from shopify_loyalty.terms.models import TermsVersion

MAX_TERMS_LENGTH = 10_000
MAX_AUTHOR_LENGTH = 191
# Plain text keeps line breaks and tabs; other control characters have no place in it.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def publish_terms(
    session: Session, shop: Shop, locale: str, text: str, author: str
) -> TermsVersion:
    """Publish ``text`` as the next version of the shop's terms in ``locale``.

    Publishing the text of the current version again changes nothing and returns that
    version, so a form sent twice does not make two versions. The caller commits.
    """
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    cleaned = normalise_terms(text)
    current = latest_version(session, shop, locale)
    if current is not None and current.text == cleaned:
        return current
    # Two publications at once must not take the same number: hold the shop's row.
    session.execute(select(Shop.id).where(Shop.id == shop.id).with_for_update())
    number = session.scalar(
        select(func.max(TermsVersion.version)).where(
            TermsVersion.shop_id == shop.id, TermsVersion.locale == locale
        )
    )
    version = TermsVersion(
        shop_id=shop.id,
        locale=locale,
        version=(number or 0) + 1,
        text=cleaned,
        author=author[:MAX_AUTHOR_LENGTH],
        created_at=utcnow(),
    )
    session.add(version)
    session.flush()
    return version


def normalise_terms(text: str) -> str:
    """The text as stored: Unix line breaks, no trailing spaces or surrounding blank lines.
    Raises InvalidInput (field ``text``) for an empty, overlong or binary text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = "\n".join(line.rstrip() for line in lines).strip("\n")
    if not cleaned.strip():
        raise InvalidInput("text is required: write the terms shoppers agree to", field="text")
    if len(cleaned) > MAX_TERMS_LENGTH:
        raise InvalidInput(
            f"text must be at most {MAX_TERMS_LENGTH} characters (it has {len(cleaned)})",
            field="text",
        )
    if CONTROL_CHARACTERS.search(cleaned):
        raise InvalidInput("text must be plain text without control characters", field="text")
    return cleaned


def current_terms(session: Session, shop: Shop, locale: str) -> TermsVersion | None:
    """The version shoppers in ``locale`` see: the newest in their language, else the newest
    English one; None when the merchant has published none."""
    found = latest_version(session, shop, locale) if locale in LOCALES else None
    if found is None and locale != DEFAULT_LOCALE:
        found = latest_version(session, shop, DEFAULT_LOCALE)
    return found


def latest_version(session: Session, shop: Shop, locale: str) -> TermsVersion | None:
    return session.scalar(
        select(TermsVersion)
        .where(TermsVersion.shop_id == shop.id, TermsVersion.locale == locale)
        .order_by(TermsVersion.version.desc())
        .limit(1)
    )


def terms_history(session: Session, shop: Shop, locale: str) -> list[TermsVersion]:
    """Every published version in ``locale``, newest first."""
    return list(
        session.scalars(
            select(TermsVersion)
            .where(TermsVersion.shop_id == shop.id, TermsVersion.locale == locale)
            .order_by(TermsVersion.version.desc())
        )
    )
