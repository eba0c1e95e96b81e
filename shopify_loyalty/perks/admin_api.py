"""The merchant's JSON API for member perks (App Bridge session token).

``GET/POST /admin/api/offers``, ``GET/PUT /admin/api/offers/<id>``,
``POST /admin/api/offers/<id>/end``; the same for early access windows under
``/admin/api/early-access``; ``GET /admin/api/perks/audiences`` (what an offer or window
can be limited to) and ``GET /admin/api/perks/insights`` (members' spend in early access
windows against other customers').
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.perks.audiences import allowed_audiences, audience_label
from shopify_loyalty.perks.early_access import (
    EARLY_ACCESS_TAG,
    create_window,
    end_window,
    find_window,
    list_windows,
    update_window,
    window_json,
)
from shopify_loyalty.perks.insights import early_access_insights
from shopify_loyalty.perks.offers import (
    create_offer,
    end_offer,
    find_offer,
    list_offers,
    offer_json,
    update_offer,
)
from shopify_loyalty.services import request_session

blueprint = Blueprint("perks_api", __name__, url_prefix="/admin/api")


@blueprint.get("/offers")
@require_shop
def offers() -> Response:
    now = utcnow()
    return jsonify({"offers": [offer_json(o, now) for o in list_offers(request_session(), g.shop)]})


@blueprint.post("/offers")
@require_shop
def add_offer() -> tuple[Response, int]:
    session = request_session()
    offer = create_offer(session, g.shop, json_object())
    session.commit()
    return jsonify(offer_json(offer, utcnow())), 201


@blueprint.get("/offers/<int:offer_id>")
@require_shop
def offer(offer_id: int) -> Response:
    return jsonify(offer_json(find_offer(request_session(), g.shop, offer_id), utcnow()))


@blueprint.put("/offers/<int:offer_id>")
@require_shop
def change_offer(offer_id: int) -> Response:
    session = request_session()
    changed = update_offer(session, g.shop, offer_id, json_object())
    session.commit()
    return jsonify(offer_json(changed, utcnow()))


@blueprint.post("/offers/<int:offer_id>/end")
@require_shop
def finish_offer(offer_id: int) -> Response:
    session = request_session()
    ended = end_offer(session, g.shop, offer_id)
    session.commit()
    return jsonify(offer_json(ended, utcnow()))


@blueprint.get("/early-access")
@require_shop
def windows() -> Response:
    now = utcnow()
    rows = [window_json(w, now) for w in list_windows(request_session(), g.shop)]
    return jsonify({"windows": rows, "tag": EARLY_ACCESS_TAG})


@blueprint.post("/early-access")
@require_shop
def add_window() -> tuple[Response, int]:
    session = request_session()
    window = create_window(session, g.shop, json_object())
    session.commit()
    return jsonify(window_json(window, utcnow())), 201


@blueprint.get("/early-access/<int:window_id>")
@require_shop
def window(window_id: int) -> Response:
    return jsonify(window_json(find_window(request_session(), g.shop, window_id), utcnow()))


@blueprint.put("/early-access/<int:window_id>")
@require_shop
def change_window(window_id: int) -> Response:
    session = request_session()
    changed = update_window(session, g.shop, window_id, json_object())
    session.commit()
    return jsonify(window_json(changed, utcnow()))


@blueprint.post("/early-access/<int:window_id>/end")
@require_shop
def finish_window(window_id: int) -> Response:
    session = request_session()
    ended = end_window(session, g.shop, window_id)
    session.commit()
    return jsonify(window_json(ended, utcnow()))


@blueprint.get("/perks/audiences")
@require_shop
def audiences() -> Response:
    session = request_session()
    return jsonify(
        {
            "audiences": [
                {"id": audience, "label": audience_label(session, g.shop, audience)}
                for audience in allowed_audiences(session, g.shop)
            ]
        }
    )


@blueprint.get("/perks/insights")
@require_shop
def insights() -> Response:
    return jsonify(early_access_insights(request_session(), g.shop, utcnow()))


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data
