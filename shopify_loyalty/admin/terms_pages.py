"""The program's terms and conditions page: write and publish the terms per language, and
read every version published before. Publishing never changes an old version."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shopify_loyalty.admin.auth import staff_actor
from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import _token_query, page_context
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.services import request_session
from shopify_loyalty.storefront.texts import DEFAULT_LOCALE, LOCALES
from shopify_loyalty.terms.publishing import (
    MAX_TERMS_LENGTH,
    latest_version,
    publish_terms,
    terms_history,
)

blueprint = Blueprint("admin_terms_pages", __name__, url_prefix="/admin/terms")
blueprint.context_processor(page_context)

LANGUAGES = {"en": "English", "de": "German"}


@blueprint.route("", methods=["GET", "POST"])
@require_page_shop
def terms() -> str | tuple[str, int] | Response:
    session = request_session()
    locale = request.values.get("locale", DEFAULT_LOCALE)
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    if request.method == "GET":
        current = latest_version(session, g.shop, locale)
        published = request.args.get("published", "")
        return _render(locale, current.text if current else "", None, published)
    text = request.form.get("text", "")
    try:
        version = publish_terms(session, g.shop, locale, text, staff_actor())
    except InvalidInput as refused:
        session.rollback()
        return _render(locale, text, refused.message, ""), 400
    session.commit()
    target = url_for("admin_terms_pages.terms", locale=locale, published=version.version)
    return redirect(target + _token_query(), code=303)


def _render(locale: str, text: str, error: str | None, published: str) -> str:
    session = request_session()
    history = terms_history(session, g.shop, locale)
    english = latest_version(session, g.shop, DEFAULT_LOCALE) if locale != DEFAULT_LOCALE else None
    return render_template(
        "admin/terms.html",
        locale=locale,
        languages=LANGUAGES,
        text=text,
        error=error,
        published=published,
        history=history,
        falls_back=not history and english is not None,
        max_length=MAX_TERMS_LENGTH,
    )
