"""The perks admin page, ``/admin/perks``: member-only offers and early access windows with
forms to add and end them, and the early access insights. The domain functions validate;
a refused value is shown beside its field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import _token_query, page_context
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput
from shopify_loyalty.perks.audiences import allowed_audiences, audience_label
from shopify_loyalty.perks.early_access import (
    EARLY_ACCESS_TAG,
    create_window,
    end_window,
    list_windows,
    window_json,
)
from shopify_loyalty.perks.insights import early_access_insights
from shopify_loyalty.perks.offers import create_offer, end_offer, list_offers, offer_json
from shopify_loyalty.services import request_session

blueprint = Blueprint(
    "admin_perks", __name__, url_prefix="/admin/perks", template_folder="templates"
)
blueprint.context_processor(page_context)

DONE = {
    "offer": "Offer saved; its discount is being created at Shopify.",
    "offer_ended": "Offer ended; its discount no longer works.",
    "window": "Early access window saved; customers with access are being tagged.",
    "window_ended": "Early access window ended; everyone can buy its products again.",
}


@blueprint.get("")
@require_page_shop
def perks() -> str:
    return _page()


@blueprint.post("/offers")
@require_page_shop
def add_offer() -> Response | tuple[str, int]:
    form = request.form
    data: dict[str, Any] = {
        "title": form.get("title", ""),
        "code": form.get("code", ""),
        "kind": form.get("kind", ""),
        "value": form.get("value", ""),
        "minimum_subtotal": form.get("minimum_subtotal") or None,
        "usage_limit": _whole(form.get("usage_limit")),
        "once_per_customer": form.get("once_per_customer") == "1",
        "audiences": form.getlist("audiences"),
        "starts_at": _utc(form.get("starts_at")) or utcnow().isoformat(),
        "ends_at": _utc(form.get("ends_at")),
    }
    return _save("offer", lambda: create_offer(request_session(), g.shop, data), form)


@blueprint.post("/early-access")
@require_page_shop
def add_window() -> Response | tuple[str, int]:
    form = request.form
    data: dict[str, Any] = {
        "title": form.get("title", ""),
        "product_ids": _list(form.get("product_ids")),
        "collection_ids": _list(form.get("collection_ids")),
        "audiences": form.getlist("audiences"),
        "starts_at": _utc(form.get("starts_at")),
        "ends_at": _utc(form.get("ends_at")),
    }
    return _save("window", lambda: create_window(request_session(), g.shop, data), form)


@blueprint.post("/offers/<int:offer_id>/end")
@require_page_shop
def finish_offer(offer_id: int) -> Response:
    session = request_session()
    end_offer(session, g.shop, offer_id)
    session.commit()
    return _back("offer_ended")


@blueprint.post("/early-access/<int:window_id>/end")
@require_page_shop
def finish_window(window_id: int) -> Response:
    session = request_session()
    end_window(session, g.shop, window_id)
    session.commit()
    return _back("window_ended")


def _save(form_name: str, create: Any, form: MultiDict[str, str]) -> Response | tuple[str, int]:
    session = request_session()
    try:
        create()
    except (InvalidInput, Conflict) as refused:
        session.rollback()
        field = (refused.field or "").split("[", 1)[0]
        return _page(form_name, {field: refused.message}, form.to_dict(flat=False)), 400
    session.commit()
    return _back(form_name)


def _page(
    form_name: str | None = None,
    errors: dict[str, str] | None = None,
    submitted: dict[str, list[str]] | None = None,
) -> str:
    session = request_session()
    now = utcnow()
    return render_template(
        "perks/perks.html",
        offers=[offer_json(o, now) for o in list_offers(session, g.shop)],
        windows=[window_json(w, now) for w in list_windows(session, g.shop)],
        audiences=[
            (a, audience_label(session, g.shop, a)) for a in allowed_audiences(session, g.shop)
        ],
        insights=early_access_insights(session, g.shop, now),
        tag=EARLY_ACCESS_TAG,
        form_name=form_name,
        errors=errors or {},
        submitted=submitted or {},
        done=DONE.get(request.args.get("done", "")),
    )


def _back(done: str) -> Response:
    return redirect(url_for("admin_perks.perks", done=done) + _token_query(), code=303)


def _utc(raw: str | None) -> str | None:
    """A ``datetime-local`` value (no offset) read as UTC, as the form says."""
    if not raw:
        return None
    return raw if raw.endswith("Z") or "+" in raw else f"{raw}Z"


def _whole(raw: str | None) -> Any:
    if raw is None or raw.strip() == "":
        return None
    return int(raw) if raw.strip().isdigit() else raw


def _list(raw: str | None) -> list[str]:
    return [item.strip() for item in (raw or "").replace("\n", ",").split(",") if item.strip()]
