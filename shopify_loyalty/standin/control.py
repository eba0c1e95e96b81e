"""The stand-in's control surface under ``/_standin/``, and a small client for it.

Tests and the demo use it to look inside a fake shop, seed customers and orders, queue
faults (error statuses, slow answers, a drained cost bucket), expire the current access
token, register a custom-app token, and have the shop deliver a webhook to its subscribers.
Seeded records take Shopify's REST/webhook shape (``first_name``, ``created_at``, ...).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from flask import Blueprint, jsonify, request

from shopify_loyalty.standin.faults import FaultRequestError, parse_faults
from shopify_loyalty.standin.oauth import issue_tokens
from shopify_loyalty.standin.state import (
    DEFAULT_SCOPES,
    PLAN_LIMITS,
    AccessToken,
    Customer,
    Metafield,
    Order,
    ShopState,
    StandinState,
    Validation,
    current_shop,
    current_state,
    gid,
    topic_enum,
)
from shopify_loyalty.standin.webhook_sender import post_webhook

bp = Blueprint("standin_control", __name__, url_prefix="/_standin")


def _bad_request(message: str) -> Any:
    return jsonify({"error": "bad_request", "message": message, "field": None}), 400


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/shops")
def list_shops() -> Any:
    standin = current_state()
    with standin.lock:
        return jsonify({"shops": sorted(standin.shops)})


@bp.get("/shops/<shop>")
def show_shop(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        return jsonify(shop_state.snapshot(standin.now()))


@bp.patch("/shops/<shop>")
def update_shop(shop: str) -> Any:
    """Change the shop's name, email, currency or plan (the plan sets the cost bucket)."""
    standin = current_state()
    shop_state = current_shop(shop)
    body = _json_body()
    plan = body.get("plan")
    if plan is not None and plan not in PLAN_LIMITS:
        return _bad_request(f"plan must be one of {', '.join(PLAN_LIMITS)}")
    with standin.lock:
        info = shop_state.info
        info.name = str(body.get("name", info.name))
        info.email = str(body.get("email", info.email))
        info.currency_code = str(body.get("currency_code", info.currency_code))
        if plan is not None:
            info.plan = plan
            maximum, rate = PLAN_LIMITS[plan]
            bucket = shop_state.bucket
            bucket.maximum_available, bucket.restore_rate = maximum, rate
            bucket.currently_available = maximum
        return jsonify(shop_state.snapshot(standin.now()))


@bp.post("/shops/<shop>/faults")
def queue_faults(shop: str) -> Any:
    """Queue ``count`` faults, or with ``throttle`` reset the cost bucket at once."""
    standin = current_state()
    shop_state = current_shop(shop)
    body = _json_body()
    try:
        faults = parse_faults(body)
    except FaultRequestError as error:
        return _bad_request(str(error))
    throttle = body.get("throttle")
    if throttle is not None and not isinstance(throttle, dict):
        return _bad_request("throttle must be an object")
    with standin.lock:
        shop_state.faults.extend(faults)
        if throttle:
            _set_bucket(shop_state, throttle)
        return jsonify({"queued": len(shop_state.faults), "throttle": shop_state.bucket.status()})


def _set_bucket(shop_state: ShopState, throttle: Mapping[str, Any]) -> None:
    bucket = shop_state.bucket
    bucket.refill()
    if "maximumAvailable" in throttle:
        bucket.maximum_available = float(throttle["maximumAvailable"])
    if "restoreRate" in throttle:
        bucket.restore_rate = float(throttle["restoreRate"])
    if "currentlyAvailable" in throttle:
        bucket.currently_available = float(throttle["currentlyAvailable"])
    bucket.currently_available = min(bucket.currently_available, bucket.maximum_available)


@bp.delete("/shops/<shop>/faults")
def clear_faults(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        shop_state.faults.clear()
    return jsonify({"queued": 0})


@bp.post("/shops/<shop>/expire-token")
def expire_token(shop: str) -> Any:
    """Make every live access token of the shop expired; the next API call answers 401."""
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        now = standin.now()
        live = [t for t in shop_state.access_tokens.values() if t.live(now)]
        for token in live:
            token.expires_at = now - timedelta(seconds=1)
    return jsonify({"expired": len(live)})


@bp.post("/shops/<shop>/custom-app-token")
@bp.post("/shops/<shop>/tokens")
def register_token(shop: str) -> Any:
    """Issue a token without OAuth, as a custom app's Admin API token is issued.

    ``access_token`` picks the token text (default: a fresh one); ``expiring`` issues an
    expiring offline token with a refresh token instead of a non-expiring one.
    """
    standin = current_state()
    shop_state = current_shop(shop)
    body = _json_body()
    raw_scope = body.get("scope") or list(DEFAULT_SCOPES)
    scope = tuple(raw_scope.split(",") if isinstance(raw_scope, str) else raw_scope)
    with standin.lock:
        if body.get("expiring"):
            return jsonify(issue_tokens(standin, shop_state, scope, expiring=True, online=False))
        text = str(body.get("access_token") or f"shpat_{secrets.token_hex(16)}")
        shop_state.access_tokens[text] = AccessToken(
            token=text, scope=scope, issued_at=standin.now(), expires_at=None
        )
    return jsonify({"access_token": text, "scope": ",".join(scope)})


@bp.post("/shops/<shop>/customers")
def seed_customers(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    records = _records(request.get_json(silent=True), "customers")
    if records is None:
        return _bad_request('send a customer, a list of them, or {"customers": [...]}')
    with standin.lock:
        saved = [record_customer(standin, shop_state, r) for r in records]
        return jsonify({"customers": [{"id": gid("Customer", c.id)} for c in saved]})


@bp.post("/shops/<shop>/validations")
def add_validation(shop: str) -> Any:
    """The merchant switches on an app's checkout rule under Settings > Checkout."""
    standin = current_state()
    shop_state = current_shop(shop)
    body = request.get_json(silent=True) or {}
    function_title = str(body.get("function_title") or "")
    if not function_title:
        return _bad_request('send {"function_title": ..., "title": ...}')
    with standin.lock:
        rule = Validation(
            id=shop_state.next_id(),
            title=str(body.get("title") or function_title),
            function_title=function_title,
            enabled=bool(body.get("enabled", True)),
            created_at=standin.now(),
        )
        shop_state.validations[rule.id] = rule
    return jsonify({"id": gid("Validation", rule.id)})


@bp.delete("/shops/<shop>/customers/<int:number>")
def delete_customer(shop: str, number: int) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        removed = shop_state.customers.pop(number, None)
    return jsonify({"deleted": removed is not None})


@bp.post("/shops/<shop>/orders")
def seed_orders(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    records = _records(request.get_json(silent=True), "orders")
    if records is None:
        return _bad_request('send an order, a list of them, or {"orders": [...]}')
    with standin.lock:
        saved = [record_order(standin, shop_state, r) for r in records]
        return jsonify({"orders": [{"id": gid("Order", o.id)} for o in saved]})


@bp.post("/shops/<shop>/deliver")
def deliver(shop: str) -> Any:
    """Record the payload's customer or order in the shop, then send it to each subscriber.

    Body: ``{"topic", "payload", "event_id"?, "webhook_id"?}``. Deliveries are signed with
    the app secret like Shopify's; the answer lists each subscriber's HTTP status.
    """
    standin = current_state()
    shop_state = current_shop(shop)
    body = _json_body()
    topic, payload = body.get("topic"), body.get("payload")
    if not isinstance(topic, str) or not isinstance(payload, dict):
        return _bad_request("topic (string) and payload (object) are required")
    with standin.lock:
        record_webhook_resource(standin, shop_state, topic, payload)
        targets = [
            (gid("WebhookSubscription", s.id), s.uri)
            for s in shop_state.webhook_subscriptions.values()
            if s.topic == topic_enum(topic)
        ]
    event_id = str(body.get("event_id") or uuid.uuid4())
    results = []
    for subscription_id, uri in targets:
        try:
            response = post_webhook(
                uri,
                shop=shop_state.domain,
                topic=topic,
                body=payload,
                secret=standin.api_secret,
                event_id=event_id,
                webhook_id=body.get("webhook_id"),
            )
            status: int | None = response.status_code
        except requests.RequestException:
            status = None
        results.append({"subscription_id": subscription_id, "uri": uri, "status": status})
    with standin.lock:
        shop_state.log("deliver", topic, 200, standin.now())
    return jsonify({"topic": topic, "event_id": event_id, "deliveries": results})


@bp.post("/shops/<shop>/record")
def record(shop: str) -> Any:
    """Record a webhook payload's customer or order in the shop without delivering it."""
    standin = current_state()
    shop_state = current_shop(shop)
    body = _json_body()
    topic, payload = body.get("topic"), body.get("payload")
    if not isinstance(topic, str) or not isinstance(payload, dict):
        return _bad_request("topic (string) and payload (object) are required")
    with standin.lock:
        record_webhook_resource(standin, shop_state, topic, payload)
    return jsonify({"recorded": True})


@bp.post("/reset")
def reset() -> Any:
    current_state().reset()
    return jsonify({"reset": True})


def _records(body: Any, key: str) -> list[dict[str, Any]] | None:
    if isinstance(body, dict) and isinstance(body.get(key), list):
        body = body[key]
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        return None
    return body


def _moment(value: Any, default: datetime) -> datetime:
    if not value:
        return default
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return default
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> int | None:
    text = str(value).rsplit("/", 1)[-1] if value is not None else ""
    return int(text) if text.isdigit() else None


def _tags(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(tag).strip() for tag in items if str(tag).strip()]


def record_customer(
    standin: StandinState, shop_state: ShopState, data: Mapping[str, Any]
) -> Customer:
    """Create or update a customer from a REST/webhook-shaped record. Caller holds the lock."""
    now = standin.now()
    number = _number(data.get("id")) or shop_state.next_id()
    customer = shop_state.customers.get(number)
    if customer is None:
        customer = Customer(
            id=number,
            email=None,
            first_name=None,
            last_name=None,
            created_at=_moment(data.get("created_at"), now),
            updated_at=now,
        )
        shop_state.customers[number] = customer
    for attribute in ("email", "first_name", "last_name", "phone"):
        if attribute in data:
            setattr(customer, attribute, data[attribute])
    if "tags" in data:
        customer.tags = _tags(data["tags"])
    if "state" in data:
        customer.state = str(data["state"]).upper()
    if "orders_count" in data:
        customer.number_of_orders = int(data["orders_count"] or 0)
    if "total_spent" in data:
        customer.amount_spent = str(data["total_spent"])
    customer.updated_at = _moment(data.get("updated_at"), now)
    owner = gid("Customer", number)
    for field in data.get("metafields") or []:
        slot = (str(field.get("namespace") or "$app"), str(field["key"]))
        shop_state.metafields.setdefault(owner, {})[slot] = Metafield(
            shop_state.next_id(),
            owner,
            *slot,
            str(field.get("type", "single_line_text_field")),
            str(field["value"]),
            now,
            now,
        )
    return customer


def record_order(standin: StandinState, shop_state: ShopState, data: Mapping[str, Any]) -> Order:
    """Create or update an order (and its customer) from a REST/webhook-shaped record."""
    now = standin.now()
    number = _number(data.get("id")) or shop_state.next_id()
    customer_data = data.get("customer") or {}
    customer_id = _number(customer_data.get("id")) or _number(data.get("customer_id"))
    if customer_data and customer_id:
        record_customer(standin, shop_state, customer_data)
    created = _moment(data.get("created_at"), now)
    order = Order(
        id=number,
        name=str(data.get("name") or f"#{1000 + len(shop_state.orders) + 1}"),
        created_at=created,
        updated_at=_moment(data.get("updated_at"), now),
        email=data.get("email") or customer_data.get("email"),
        customer_id=customer_id,
        processed_at=_moment(data.get("processed_at"), created),
        cancelled_at=_moment(data["cancelled_at"], now) if data.get("cancelled_at") else None,
        financial_status=str(data.get("financial_status") or "paid").upper(),
        total_price=str(data.get("total_price") or "0.00"),
        subtotal_price=str(data.get("subtotal_price") or data.get("total_price") or "0.00"),
        currency_code=str(data.get("currency") or shop_state.info.currency_code),
        discount_codes=[
            str(code.get("code")) for code in data.get("discount_codes") or [] if code.get("code")
        ],
        tags=_tags(data.get("tags")),
        test=bool(data.get("test")),
        raw=dict(data),
    )
    shop_state.orders[number] = order
    return order


def record_webhook_resource(
    standin: StandinState, shop_state: ShopState, topic: str, payload: Mapping[str, Any]
) -> None:
    """Keep the shop consistent with what it announces: customers and orders it sends exist."""
    if topic in ("customers/create", "customers/update", "customers/enable", "customers/disable"):
        record_customer(standin, shop_state, payload)
    elif topic == "customers/delete":
        number = _number(payload.get("id"))
        if number is not None:
            shop_state.customers.pop(number, None)
    elif topic.startswith("orders/") and topic != "orders/delete":
        record_order(standin, shop_state, payload)


class StandinControl:
    """Client for the control surface of a stand-in at ``base_url``."""

    def __init__(self, base_url: str, *, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(
            method, f"{self.base_url}/_standin{path}", json=body, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def shop(self, shop: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/shops/{shop}")
        return result

    def update_shop(self, shop: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PATCH", f"/shops/{shop}", fields)
        return result

    def queue_fault(
        self,
        shop: str,
        *,
        status: int | None = None,
        delay_seconds: float | None = None,
        graphql_error: str | None = None,
        count: int = 1,
        target: str = "graphql",
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"count": count, "target": target}
        if status is not None:
            body["status"] = status
        if delay_seconds is not None:
            body["delay_seconds"] = delay_seconds
        if graphql_error is not None:
            body["graphql_error"] = graphql_error
        result: dict[str, Any] = self._call("POST", f"/shops/{shop}/faults", body)
        return result

    def set_throttle(
        self,
        shop: str,
        *,
        maximum_available: float | None = None,
        restore_rate: float | None = None,
        currently_available: float | None = None,
    ) -> dict[str, Any]:
        throttle = {
            key: value
            for key, value in (
                ("maximumAvailable", maximum_available),
                ("restoreRate", restore_rate),
                ("currentlyAvailable", currently_available),
            )
            if value is not None
        }
        result: dict[str, Any] = self._call("POST", f"/shops/{shop}/faults", {"throttle": throttle})
        return result

    def expire_token(self, shop: str) -> int:
        return int(self._call("POST", f"/shops/{shop}/expire-token")["expired"])

    def issue_token(
        self,
        shop: str,
        *,
        access_token: str | None = None,
        scope: Iterable[str] | None = None,
        expiring: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"expiring": expiring}
        if access_token is not None:
            body["access_token"] = access_token
        if scope is not None:
            body["scope"] = list(scope)
        result: dict[str, Any] = self._call("POST", f"/shops/{shop}/custom-app-token", body)
        return result

    def add_customers(self, shop: str, customers: list[dict[str, Any]]) -> list[str]:
        answer = self._call("POST", f"/shops/{shop}/customers", {"customers": customers})
        return [item["id"] for item in answer["customers"]]

    def add_orders(self, shop: str, orders: list[dict[str, Any]]) -> list[str]:
        answer = self._call("POST", f"/shops/{shop}/orders", {"orders": orders})
        return [item["id"] for item in answer["orders"]]

    def deliver(
        self, shop: str, topic: str, payload: dict[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"topic": topic, "payload": payload}
        if event_id is not None:
            body["event_id"] = event_id
        result: dict[str, Any] = self._call("POST", f"/shops/{shop}/deliver", body)
        return result

    def reset(self) -> None:
        self._call("POST", "/reset")
