"""``GET /admin/api/storefront/embed``: whether the widget shows on the live theme.

Answers ``{"state", "active", "theme": {"id", "name"} or null, "activate_url"}``; the state
is ``active``, ``disabled`` (switched off in the theme editor), ``not_added`` (never
switched on), ``no_theme`` or ``unreadable``. ``activate_url`` opens the theme editor with
the embed switched on.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.errors import UpstreamError
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shopify.admin_client import AdminApiError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.storefront.embed import embed_status

blueprint = Blueprint("storefront_embed", __name__, url_prefix="/admin/api/storefront")


@blueprint.get("/embed")
@require_shop
def show_embed() -> Response:
    services = current_services()
    shop_domain = g.shop.domain
    request_session().rollback()  # no transaction held open while Shopify answers
    try:
        status = embed_status(
            admin_client(services, shop_domain), shop_domain, services.settings.api_key
        )
    except AdminApiError as error:
        raise UpstreamError(
            f"Shopify did not tell us about the live theme: {error.message}"
        ) from error
    return jsonify(
        {
            "state": status.state,
            "active": status.active,
            "theme": {"id": status.theme_id, "name": status.theme_name}
            if status.theme_id
            else None,
            "activate_url": status.activate_url,
        }
    )
