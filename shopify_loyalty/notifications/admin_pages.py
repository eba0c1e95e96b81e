"""The admin's Emails page: every message with its switch and previews in both languages,
the branding, and the latest messages with their status."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import _token_query, page_context
from shopify_loyalty.notifications.admin_api import message_list
from shopify_loyalty.notifications.branding import email_branding
from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.notifications.outbox_view import recent_messages
from shopify_loyalty.notifications.previews import parse_kind, parse_locale, preview
from shopify_loyalty.notifications.switches import EmailMessages, message_switches
from shopify_loyalty.programs.config import save
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("admin_notification_pages", __name__, url_prefix="/admin/notifications")
blueprint.context_processor(page_context)

RECENT = 20


@blueprint.get("")
@require_page_shop
def notifications() -> str:
    session = request_session()
    return render_template(
        "admin/notifications.html",
        messages=message_list(message_switches(session, g.shop)),
        branding=email_branding(session, g.shop),
        recent=recent_messages(session, g.shop, RECENT),
        saved=request.args.get("saved", ""),
    )


@blueprint.post("/switches")
@require_page_shop
def switch() -> Response:
    kind = parse_kind(request.form.get("kind", ""))
    enabled = request.form.get("enabled") == "1"
    session = request_session()
    save(session, g.shop, EmailMessages, {kind.value: enabled})
    session.commit()
    target = url_for("admin_notification_pages.notifications", saved=kind.value)
    return redirect(target + _token_query(), code=303)


@blueprint.get("/previews/<kind>")
@require_page_shop
def show_preview(kind: str) -> str:
    chosen = parse_kind(kind)
    locale = parse_locale(request.args.get("locale"))
    shown = preview(request_session(), g.shop, chosen, locale, current_services().settings.app_url)
    return render_template(
        "admin/notification_preview.html", preview=shown, kinds=[k.value for k in Kind]
    )
