"""The unsubscribe link of our emails, without a login: ``GET`` asks, ``POST`` records.

``POST`` is also what mail clients send for a one-click unsubscribe (RFC 8058), so it
answers with the same confirmation page. The merchant's email settings are under
``/admin/api/notifications/email`` (the SMTP password is write-only).
"""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.notifications.consent import unsubscribe
from shopify_loyalty.notifications.email_settings import (
    email_settings,
    public_view,
    save_email_settings,
)
from shopify_loyalty.notifications.locales import customer_locale
from shopify_loyalty.notifications.rendering import TEMPLATES
from shopify_loyalty.notifications.unsubscribe_tokens import read_unsubscribe_token
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shops.models import Shop

blueprint = Blueprint("notifications", __name__)

PAGES = {
    "en": {
        "ask_title": "Unsubscribe from {shop}'s reward emails?",
        "ask_text": "You will no longer receive emails about points, tiers and offers. "
        "Reward codes you redeem are still sent to you.",
        "confirm": "Unsubscribe",
        "done_title": "You are unsubscribed",
        "done_text": "{shop} will send you no more reward emails.",
        "bad_title": "This link does not work",
        "bad_text": "The unsubscribe link is incomplete or not valid.",
    },
    "de": {
        "ask_title": "Prämien-E-Mails von {shop} abbestellen?",
        "ask_text": "Du erhältst dann keine E-Mails mehr zu Punkten, Stufen und Angeboten. "
        "Prämiencodes, die du einlöst, senden wir dir weiterhin.",
        "confirm": "Abbestellen",
        "done_title": "Du hast die E-Mails abbestellt",
        "done_text": "{shop} sendet dir keine Prämien-E-Mails mehr.",
        "bad_title": "Dieser Link funktioniert nicht",
        "bad_text": "Der Abmeldelink ist unvollständig oder ungültig.",
    },
}

_pages = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))


def _page(locale: str, title: str, text: str, confirm: str | None, status: int) -> Response:
    body = _pages.get_template("unsubscribe.html.j2").render(
        locale=locale, title=title, text=text, confirm=confirm
    )
    return Response(body, status=status, mimetype="text/html")


@blueprint.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_page(token: str) -> Response:
    services = current_services()
    target = read_unsubscribe_token(services.settings.api_secret, token)
    session = request_session()
    shop = customer = None
    if target is not None:
        shop = session.scalar(select(Shop).where(Shop.domain == target.shop_domain))
        if shop is not None:
            customer = find_customer(session, shop, target.shopify_customer_id)
    if shop is None or customer is None:
        texts = PAGES["en"]
        return _page("en", texts["bad_title"], texts["bad_text"], None, 404)
    locale = customer_locale(customer)
    texts = PAGES[locale]
    name = shop.name or shop.domain
    if request.method == "GET":
        return _page(
            locale,
            texts["ask_title"].format(shop=name),
            texts["ask_text"],
            texts["confirm"],
            200,
        )
    unsubscribe(session, shop, customer)
    session.commit()
    return _page(locale, texts["done_title"], texts["done_text"].format(shop=name), None, 200)


@blueprint.get("/admin/api/notifications/email")
@require_shop
def show_email_settings() -> Response:
    return jsonify({"settings": public_view(email_settings(request_session(), g.shop))})


@blueprint.put("/admin/api/notifications/email")
@require_shop
def update_email_settings() -> Response:
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        raise InvalidInput("the body must be a JSON object of the settings to change")
    session = request_session()
    updated = save_email_settings(session, g.shop, current_services().cipher, changes)
    session.commit()
    return jsonify({"settings": public_view(updated)})
