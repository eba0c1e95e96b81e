"""The affiliate's side: the portal by secret link, and the counted click links.

``GET /a/<token>`` (HTML) and ``GET /a/<token>.json``; ``GET /a/click/<code>?shop=<domain>``
and, through the app proxy, ``GET /proxy/a/click/<code>`` (signed; the shop comes from the
proxy's ``shop`` parameter). Portal answers are never cached and never indexed.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from shopify_loyalty.affiliates.accounts import affiliate_by_token
from shopify_loyalty.affiliates.clicks import record_click
from shopify_loyalty.affiliates.portal import PortalPage, portal_page
from shopify_loyalty.errors import NotFound, Unauthorized
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shopify.signatures import verify_proxy_query
from shopify_loyalty.shops.models import Shop

blueprint = Blueprint("affiliate_portal", __name__, template_folder="templates")

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
}


@blueprint.get("/a/click/<code>")
def click(code: str) -> Response:
    session = request_session()
    target = record_click(session, request.args.get("shop", ""), code)
    session.commit()
    return _no_store(redirect(target, code=302))


@blueprint.get("/proxy/a/click/<code>")
def proxy_click(code: str) -> Response:
    if not verify_proxy_query(
        request.query_string.decode(), current_services().settings.api_secret
    ):
        raise Unauthorized("The app proxy signature is not valid.")
    session = request_session()
    target = record_click(session, request.args.get("shop", ""), code)
    session.commit()
    return _no_store(redirect(target, code=302))


@blueprint.get("/a/<token>.json")
def portal_json(token: str) -> Response:
    page = _page(token)
    response = jsonify(_json(page))
    response.headers.update(PRIVATE_HEADERS)
    return response


@blueprint.get("/a/<token>")
def portal(token: str) -> Response:
    page = _page(token)
    response = Response(render_template("affiliates/portal.html", page=page), mimetype="text/html")
    response.headers.update(PRIVATE_HEADERS)
    return response


def _page(token: str) -> PortalPage:
    session = request_session()
    affiliate = affiliate_by_token(session, token)
    shop = session.get(Shop, affiliate.shop_id) if affiliate is not None else None
    if affiliate is None or shop is None or not shop.is_installed:
        raise NotFound("This portal link is not valid. Ask the shop for a new one.")
    page = portal_page(session, shop, affiliate)
    session.rollback()
    return page


def _json(page: PortalPage) -> dict[str, Any]:
    data = asdict(page)
    for month in data["months"]:
        for key in ("revenue", "commission"):
            month[key] = str(month[key])
    for payout in data["payouts"]:
        payout["amount"] = str(payout["amount"])
    for key in ("pending", "approved_unpaid", "paid"):
        data[key] = str(data[key])
    return data


def _no_store(response: Any) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response
