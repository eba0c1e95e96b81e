"""The merchant's JSON API for emails: the messages with their switches, a preview of each
with sample data, and the outbox of recent messages.

- ``GET /admin/api/notifications/messages``
- ``GET /admin/api/notifications/previews/<kind>?locale=en|de``
- ``GET /admin/api/notifications/outbox?limit=&status=queued|sent|skipped``

Switching a message on or off is ``PUT /admin/api/settings/email_messages``.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.notifications.email_settings import email_settings
from shopify_loyalty.notifications.kinds import Kind, is_marketing
from shopify_loyalty.notifications.locales import LOCALES
from shopify_loyalty.notifications.outbox_view import parse_limit, parse_status, recent_messages
from shopify_loyalty.notifications.previews import parse_kind, parse_locale, preview
from shopify_loyalty.notifications.switches import EmailMessages, message_switches
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("notifications_admin_api", __name__, url_prefix="/admin/api/notifications")


def message_list(switches: EmailMessages) -> list[dict[str, Any]]:
    helps = {field.name: field.metadata["help"] for field in fields(EmailMessages)}
    return [
        {
            "kind": kind.value,
            "description": helps[kind.value],
            "marketing": is_marketing(kind),
            "enabled": switches.sends(kind),
            "locales": list(LOCALES),
        }
        for kind in Kind
    ]


@blueprint.get("/messages")
@require_shop
def messages() -> Response:
    switches = message_switches(request_session(), g.shop)
    return jsonify({"messages": message_list(switches), "settings_section": EmailMessages.section})


@blueprint.get("/previews/<kind>")
@require_shop
def show_preview(kind: str) -> Response:
    chosen = parse_kind(kind)
    locale = parse_locale(request.args.get("locale"))
    shown = preview(request_session(), g.shop, chosen, locale, current_services().settings.app_url)
    return jsonify(
        {
            "kind": shown.kind,
            "locale": shown.locale,
            "marketing": shown.marketing,
            "subject": shown.email.subject,
            "html": shown.email.html,
            "text": shown.email.text,
        }
    )


@blueprint.get("/outbox")
@require_shop
def outbox() -> Response:
    session = request_session()
    limit = parse_limit(request.args.get("limit"))
    status = parse_status(request.args.get("status"))
    delivery = "smtp" if email_settings(session, g.shop).enabled else "outbox_folder"
    return jsonify(
        {"delivery": delivery, "messages": recent_messages(session, g.shop, limit, status)}
    )
