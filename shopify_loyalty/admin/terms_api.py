"""The program terms page as JSON: the current version and its history, and publishing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop, staff_actor
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.services import request_session
from shopify_loyalty.storefront.texts import DEFAULT_LOCALE, LOCALES
from shopify_loyalty.terms.models import TermsVersion
from shopify_loyalty.terms.publishing import latest_version, publish_terms, terms_history

blueprint = Blueprint("terms_api", __name__, url_prefix="/admin/api/terms")


@blueprint.get("")
@require_shop
def show_terms() -> Response:
    locale = _locale(request.args.get("locale", DEFAULT_LOCALE))
    session = request_session()
    current = latest_version(session, g.shop, locale)
    return jsonify(
        {
            "locale": locale,
            "current": version_json(current) if current else None,
            "history": [version_json(v) for v in terms_history(session, g.shop, locale)],
        }
    )


@blueprint.post("")
@require_shop
def publish() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object with locale and text")
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidInput("text must be the terms as plain text", field="text")
    locale = _locale(body.get("locale", DEFAULT_LOCALE))
    session = request_session()
    before = latest_version(session, g.shop, locale)
    version = publish_terms(session, g.shop, locale, text, staff_actor())
    session.commit()
    created = before is None or version.id != before.id
    return jsonify(version_json(version)), 201 if created else 200


def version_json(version: TermsVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "locale": version.locale,
        "text": version.text,
        "author": version.author,
        "published_at": version.created_at.isoformat(),
    }


def _locale(value: object) -> str:
    if value not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    return str(value)
