"""The app proxy routes the widget calls (``/apps/loyalty/...`` on the shop's domain).

Public: ``GET /proxy/api/program``, the referral landing ``GET /proxy/r/<code>`` and
``GET /proxy/api/early-access?product_id=&collection_ids=`` (may this shopper, or a guest,
buy the product now).
The logged-in shopper's (401 ``login_required`` for guests): ``GET /proxy/api/me``,
``GET /proxy/api/history``, ``POST /proxy/api/redeem`` ``{"reward_id"}``,
``POST /proxy/api/birthday`` ``{"birthday": "YYYY-MM-DD"}`` and
``POST /proxy/api/feedback`` ``{"order_id", "satisfaction", "recommendation_score",
"comment"}``. Writes are rate limited per shopper and per shop (429 ``rate_limited`` with
``Retry-After``). ``?locale=de`` picks the language. Answers are JSON, never cached.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, g, jsonify, redirect, request
from redis.exceptions import RedisError
from werkzeug.wrappers import Response as Redirect

from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput, error_body
from shopify_loyalty.perks.storefront import product_access
from shopify_loyalty.plain_numbers import LARGEST_ID, is_plain_number, plain_number
from shopify_loyalty.points.birthdays import set_birthday
from shopify_loyalty.points.spending import InsufficientPoints
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.codes import find_referral_code
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.rewards.catalogue import find_reward
from shopify_loyalty.rewards.redemption import redeem_reward
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.storefront.member import (
    MAX_HISTORY_ROWS,
    code_json,
    history,
    member_view,
    read_member,
    shopper,
)
from shopify_loyalty.storefront.program import program_view, reward_json
from shopify_loyalty.storefront.proxy_auth import (
    ProxyCaller,
    RateLimited,
    installed_shop,
    verified_caller,
)
from shopify_loyalty.storefront.rate_limits import count_write
from shopify_loyalty.storefront.shared_rate_limits import count_write_in_redis
from shopify_loyalty.storefront.texts import texts_for, widget_locale
from shopify_loyalty.storefront.widget_settings import WidgetConfig
from shopify_loyalty.surveys.feedback import record_feedback

blueprint = Blueprint("storefront_proxy", __name__, url_prefix="/proxy")

LANDING_PARAMETER = "ref"


@blueprint.before_request
def verify_proxy_signature() -> None:
    g.proxy = verified_caller(
        request.query_string.decode("utf-8", "replace"),
        request.args.to_dict(),
        current_services().settings.api_secret,
    )


@blueprint.after_request
def never_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.errorhandler(RateLimited)
def rate_limited(error: RateLimited) -> tuple[Response, int, dict[str, str]]:
    body = error_body(error.code, error.message)
    return (
        jsonify({**body, "retry_after": error.retry_after}),
        429,
        {"Retry-After": str(error.retry_after)},
    )


@blueprint.errorhandler(InsufficientPoints)
def insufficient_points(error: InsufficientPoints) -> tuple[Response, int]:
    body = error_body(error.code, error.message, error.field)
    return jsonify({**body, "needed": error.needed, "available": error.available}), 409


def caller() -> ProxyCaller:
    found: ProxyCaller = g.proxy
    return found


def locale() -> str:
    return widget_locale(request.args.get("locale"))


@blueprint.get("/api/program")
def program() -> Response:
    session = request_session()
    shop = installed_shop(session, caller().shop_domain)
    body = program_view(session, shop, locale())
    session.commit()  # a first read stores the default rewards catalogue
    return jsonify(body)


@blueprint.get("/api/me")
def me() -> Response:
    customer_id = caller().require_shopper()
    session = request_session()
    member = read_member(session, caller().shop_domain, customer_id)
    body = member_view(session, member, locale())
    session.commit()  # the shopper's referral code is made on first sight
    return jsonify(body)


@blueprint.get("/api/early-access")
def early_access() -> Response:
    """Whether the product page's buy button is for this shopper now (guests included)."""
    session = request_session()
    shop = installed_shop(session, caller().shop_domain)
    customer_id = caller().shopify_customer_id
    customer = find_customer(session, shop, customer_id) if customer_id else None
    texts = texts_for(locale(), load(session, shop, WidgetConfig).texts)
    body = product_access(
        session,
        shop,
        customer,
        request.args.get("product_id"),
        request.args.get("collection_ids"),
        texts,
        utcnow(),
    )
    return jsonify(body)


@blueprint.get("/api/history")
def member_history() -> Response:
    customer_id = caller().require_shopper()
    raw = request.args.get("limit", "20")
    if not is_plain_number(raw, 4) or not 1 <= int(raw) <= MAX_HISTORY_ROWS:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {MAX_HISTORY_ROWS}", field="limit"
        )
    session = request_session()
    shop = installed_shop(session, caller().shop_domain)
    customer = shopper(session, shop, customer_id)
    texts = texts_for(locale(), load(session, shop, WidgetConfig).texts)
    body = {"history": history(session, customer, texts, limit=int(raw))}
    session.commit()
    return jsonify(body)


@blueprint.post("/api/redeem")
def redeem() -> tuple[Response, int]:
    customer_id = caller().require_shopper()
    reward_id = whole_number(json_object().get("reward_id"), "reward_id")
    shop_domain = count_shopper_write(customer_id)
    services = current_services()
    with services.db.transaction() as session:
        shopper(session, installed_shop(session, shop_domain), customer_id)
    issued = redeem_reward(services, shop_domain, customer_id, reward_id)
    with services.db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        reward = find_reward(session, shop, reward_id)
        texts = texts_for(locale(), load(session, shop, WidgetConfig).texts)
        title = reward_json(reward, texts, shop.currency, locale())["title"]
    return jsonify({**code_json(issued), "title": title, "points_spent": issued.points_spent}), 201


@blueprint.post("/api/birthday")
def birthday() -> Response:
    customer_id = caller().require_shopper()
    raw = json_object().get("birthday")
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput("birthday must be a date like 1990-05-17", field="birthday")
    shop_domain = count_shopper_write(customer_id)
    with current_services().db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        row = set_birthday(session, shop, shopper(session, shop, customer_id), day)
        stored = row.birthday.isoformat()
    return jsonify({"birthday": stored})


@blueprint.post("/api/feedback")
def feedback() -> tuple[Response, int]:
    customer_id = caller().require_shopper()
    body = json_object()
    order_id = whole_number(body.get("order_id"), "order_id")
    shop_domain = count_shopper_write(customer_id)
    with current_services().db.transaction() as session:
        shop = installed_shop(session, shop_domain)
        answer = record_feedback(
            session,
            shop,
            shopper(session, shop, customer_id),
            order_id,
            body.get("satisfaction"),  # type: ignore[arg-type]  # checked by record_feedback
            body.get("recommendation_score"),  # type: ignore[arg-type]
            body.get("comment"),
        )
        stored = {
            "order_id": str(answer.shopify_order_id),
            "satisfaction": answer.satisfaction,
            "recommendation_score": answer.recommendation_score,
            "comment": answer.comment,
        }
    return jsonify(stored), 201


@blueprint.get("/r/<code>")
def referral_landing(code: str) -> Redirect:
    """A referral link: to the shop with the friend's discount applied and the referral code
    kept in the landing URL (the widget puts it in the cart attributes). An unknown code, or
    referrals switched off, lands on the home page with nothing applied."""
    session = request_session()
    shop = installed_shop(session, caller().shop_domain)
    found = find_referral_code(session, shop, code) if len(code) <= 32 else None
    if found is None or not load(session, shop, ReferralConfig).enabled:
        return redirect("/", code=302)
    landing = f"/?{LANDING_PARAMETER}={found.code}"
    return redirect(f"/discount/{quote(found.friend_code)}?redirect={quote(landing, safe='')}", 302)


def count_shopper_write(customer_id: int) -> str:
    """Count the write against the limits (committed even when refused); the shop domain."""
    shop_domain = caller().shop_domain
    services = current_services()
    request_session().rollback()  # end any read before writing in its own transaction
    if services.redis is not None:
        installed_shop(request_session(), shop_domain)
        try:
            wait = count_write_in_redis(services.redis, shop_domain, customer_id)
        except RedisError:
            wait = count_write_in_database(shop_domain, customer_id)
    else:
        wait = count_write_in_database(shop_domain, customer_id)
    if wait is not None:
        raise RateLimited(wait)
    return shop_domain


def count_write_in_database(shop_domain: str, customer_id: int) -> int | None:
    with current_services().db.transaction() as session:
        return count_write(session, installed_shop(session, shop_domain), customer_id)


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data


def whole_number(value: Any, field: str) -> int:
    """An id given as a JSON number or a string of digits (ids above 2**53 need strings)."""
    if isinstance(value, str) and (number := plain_number(value)) is not None:
        return number
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= LARGEST_ID:
        return value
    raise InvalidInput(f"{field} must be an id", field=field)
