"""The webhooks admin page: the merchant's endpoints, a form to add one (its signing secret
is shown once, on the page that answers the form), rotating the secret, pausing, resuming,
deleting, and each endpoint's delivery log with a redeliver button. The outbound webhooks'
own functions validate; a refused value is shown beside its field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import _token_query, page_context
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.outbound_webhooks.deliveries import find_delivery, redeliver
from shopify_loyalty.outbound_webhooks.delivery_log import delivery_log
from shopify_loyalty.outbound_webhooks.endpoints import (
    NewSecret,
    create_endpoint,
    delete_endpoint,
    find_endpoint,
    rotate_secret,
    shop_endpoints,
    update_endpoint,
)
from shopify_loyalty.program_events.topics import ALL_TOPICS
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("admin_webhooks_pages", __name__, url_prefix="/admin/webhooks")
blueprint.context_processor(page_context)

LOG_ROWS = 20
DONE = {
    "paused": "Endpoint paused: events wait until you resume it.",
    "resumed": "Endpoint resumed: waiting events are on their way.",
    "deleted": "Endpoint deleted.",
    "redelivered": "Delivery queued again.",
}


@blueprint.get("")
@require_page_shop
def webhooks() -> str:
    return _render(done=DONE.get(request.args.get("done", "")))


@blueprint.post("")
@require_page_shop
def webhooks_add() -> str | tuple[str, int]:
    session = request_session()
    fields: dict[str, Any] = {
        "url": request.form.get("url", "").strip(),
        "topics": request.form.getlist("topics"),
        "description": request.form.get("description", ""),
    }
    try:
        made = create_endpoint(session, g.shop, current_services().cipher, fields)
    except InvalidInput as refused:
        session.rollback()
        return _render(errors={refused.field or "": refused.message}, submitted=fields), 400
    session.commit()
    return _render(new_secret=made)


@blueprint.post("/<int:endpoint_id>/rotate")
@require_page_shop
def webhooks_rotate(endpoint_id: int) -> str:
    session = request_session()
    made = rotate_secret(session, g.shop, current_services().cipher, endpoint_id)
    session.commit()
    return _render(new_secret=made)


@blueprint.post("/<int:endpoint_id>/<any(pause, resume):change>")
@require_page_shop
def webhooks_status(endpoint_id: int, change: str) -> Response:
    session = request_session()
    status = "paused" if change == "pause" else "active"
    update_endpoint(session, g.shop, endpoint_id, {"status": status})
    session.commit()
    return _back("paused" if change == "pause" else "resumed")


@blueprint.post("/<int:endpoint_id>/delete")
@require_page_shop
def webhooks_delete(endpoint_id: int) -> Response:
    session = request_session()
    delete_endpoint(session, g.shop, endpoint_id)
    session.commit()
    return _back("deleted")


@blueprint.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@require_page_shop
def webhooks_redeliver(endpoint_id: int, delivery_id: int) -> Response:
    session = request_session()
    endpoint = find_endpoint(session, g.shop, endpoint_id)
    if find_delivery(session, g.shop, delivery_id).endpoint_id != endpoint.id:
        raise NotFound(f"No webhook delivery {delivery_id} for endpoint {endpoint_id}.")
    redeliver(session, g.shop, delivery_id)
    session.commit()
    worker = current_services().worker
    if worker is not None:
        worker.wake()
    return _back("redelivered")


def _render(
    *,
    done: str | None = None,
    new_secret: NewSecret | None = None,
    errors: dict[str, str] | None = None,
    submitted: dict[str, Any] | None = None,
) -> str:
    session = request_session()
    endpoints = shop_endpoints(session, g.shop)
    logs = {endpoint.id: delivery_log(session, endpoint, LOG_ROWS) for endpoint in endpoints}
    return render_template(
        "admin/webhooks.html",
        endpoints=endpoints,
        logs=logs,
        topics=ALL_TOPICS,
        done=done,
        new_secret=new_secret,
        errors=errors or {},
        submitted=submitted or {"url": "", "topics": [], "description": ""},
    )


def _back(done: str) -> Response:
    return redirect(url_for("admin_webhooks_pages.webhooks", done=done) + _token_query(), code=303)
