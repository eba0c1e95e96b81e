"""In-memory state of the stand-in's fake shops.

One :class:`StandinState` per stand-in app holds any number of :class:`ShopState`, keyed by
the ``*.myshopify.com`` domain; a shop springs into being the first time a valid domain is
seen, the way a development store already exists when a merchant installs an app. Every read
and write happens under ``StandinState.lock`` because the server answers on many threads.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import abort, current_app

SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
ACCESS_TOKEN_LIFETIME = timedelta(seconds=3600)
REFRESH_TOKEN_LIFETIME = timedelta(days=90)
ONLINE_TOKEN_LIFETIME = timedelta(seconds=86399)
DEFAULT_SCOPES = ("read_orders", "read_customers", "write_customers", "write_discounts")
EXTENSION_KEY = "shopify_standin"
REQUEST_LOG_SIZE = 500

# Shopify plan name -> (bucket size, restore rate per second) of the GraphQL Admin API.
PLAN_LIMITS: dict[str, tuple[float, float]] = {
    "Basic": (2000.0, 100.0),
    "Shopify": (2000.0, 100.0),
    "Advanced": (4000.0, 200.0),
    "Shopify Plus": (20000.0, 1000.0),
    "Enterprise": (40000.0, 2000.0),
}
DEFAULT_PLAN = "Basic"


# Webhook topics the fake shop accepts subscriptions for (REST names; the GraphQL enum is
# the upper-case form with "_" for "/", e.g. orders/paid -> ORDERS_PAID).
WEBHOOK_TOPICS = (
    "app/uninstalled",
    "app/scopes_update",
    "customers/create",
    "customers/update",
    "customers/delete",
    "customers/enable",
    "customers/disable",
    "customers/merge",
    "customers_email_marketing_consent/update",
    "customers_marketing_consent/update",
    "customer_tags/added",
    "customer_tags/removed",
    "orders/create",
    "orders/updated",
    "orders/paid",
    "orders/cancelled",
    "orders/fulfilled",
    "orders/partially_fulfilled",
    "orders/edited",
    "orders/delete",
    "refunds/create",
    "discounts/create",
    "discounts/update",
    "discounts/delete",
    "segments/create",
    "segments/update",
    "segments/delete",
    "shop/update",
)


def topic_enum(topic: str) -> str:
    """``orders/paid`` -> ``ORDERS_PAID``, the WebhookSubscriptionTopic enum value."""
    return topic.strip().upper().replace("/", "_")


WEBHOOK_TOPIC_ENUMS = frozenset(topic_enum(t) for t in WEBHOOK_TOPICS)


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime | None) -> str | None:
    """Shopify's DateTime shape: ``2026-05-01T12:00:00Z``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


@dataclass
class ThrottleBucket:
    """Shopify's leaky bucket of GraphQL cost points, refilled at ``restore_rate`` per second."""

    maximum_available: float = 2000.0
    restore_rate: float = 100.0
    currently_available: float = 2000.0
    updated_at: float = field(default_factory=time.monotonic)

    def refill(self, now: float | None = None) -> None:
        moment = time.monotonic() if now is None else now
        elapsed = max(0.0, moment - self.updated_at)
        self.currently_available = min(
            self.maximum_available, self.currently_available + elapsed * self.restore_rate
        )
        self.updated_at = moment

    def spend(self, cost: float) -> bool:
        """Take ``cost`` points if they are there; a refused request changes nothing."""
        self.refill()
        if cost > self.currently_available:
            return False
        self.currently_available -= cost
        return True

    def status(self) -> dict[str, float | int]:
        return {
            "maximumAvailable": float(self.maximum_available),
            "currentlyAvailable": int(self.currently_available),
            "restoreRate": float(self.restore_rate),
        }


@dataclass
class ShopInfo:
    name: str
    email: str
    currency_code: str = "USD"
    plan: str = DEFAULT_PLAN
    iana_timezone: str = "UTC"


@dataclass
class AuthorizationCode:
    code: str
    scope: tuple[str, ...]
    online: bool
    issued_at: datetime
    used: bool = False


@dataclass
class AccessToken:
    token: str
    scope: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime | None
    online: bool = False
    user_id: str | None = None
    revoked: bool = False

    def live(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or now < self.expires_at)


@dataclass
class RefreshToken:
    token: str
    scope: tuple[str, ...]
    expires_at: datetime
    revoked: bool = False

    def live(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass
class WebhookSubscription:
    id: int
    topic: str  # the GraphQL enum, e.g. ORDERS_PAID
    uri: str
    format: str
    created_at: datetime
    updated_at: datetime
    include_fields: list[str] = field(default_factory=list)
    filter: str | None = None


@dataclass
class DiscountNode:
    """A code discount; ``kind`` is ``basic`` or ``free_shipping``."""

    id: int
    code_id: int
    kind: str
    title: str
    code: str
    context: dict[str, Any]
    starts_at: datetime
    created_at: datetime
    updated_at: datetime
    value: dict[str, Any] | None = None
    items: dict[str, Any] | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    applies_once_per_customer: bool = False
    minimum_requirement: dict[str, Any] | None = None
    combines_with: dict[str, bool] = field(default_factory=dict)
    destination: dict[str, Any] | None = None
    maximum_shipping_price: str | None = None
    async_usage_count: int = 0

    def status(self, now: datetime) -> str:
        if self.starts_at > now:
            return "SCHEDULED"
        if self.ends_at is not None and self.ends_at <= now:
            return "EXPIRED"
        return "ACTIVE"


@dataclass
class Metafield:
    id: int
    owner_id: str
    namespace: str
    key: str
    type: str
    value: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Customer:
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime
    updated_at: datetime
    tags: list[str] = field(default_factory=list)
    phone: str | None = None
    state: str = "ENABLED"
    number_of_orders: int = 0
    amount_spent: str = "0.00"


@dataclass
class Segment:
    id: int
    name: str
    query: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Order:
    """An order as seeded by a test or the demo, kept for backfill queries."""

    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    customer_id: int | None = None
    processed_at: datetime | None = None
    cancelled_at: datetime | None = None
    financial_status: str = "PAID"
    total_price: str = "0.00"
    subtotal_price: str = "0.00"
    total_refunded: str = "0.00"
    currency_code: str = "USD"
    discount_codes: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    test: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """One queued misbehaviour for the next call to ``target`` (``graphql`` or ``oauth``)."""

    status: int | None = None
    delay_seconds: float = 0.0
    graphql_error: str | None = None
    target: str = "graphql"


@dataclass(frozen=True)
class RequestRecord:
    at: datetime
    kind: str
    detail: str
    status: int


@dataclass
class Validation:
    """A checkout rule the merchant switched on (Settings > Checkout > Checkout rules), run
    by an app's cart and checkout validation function."""

    id: int
    title: str
    function_title: str
    enabled: bool
    created_at: datetime


@dataclass
class ShopState:
    domain: str
    info: ShopInfo
    bucket: ThrottleBucket
    shop_id: int
    authorization_codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    webhook_subscriptions: dict[int, WebhookSubscription] = field(default_factory=dict)
    discounts: dict[int, DiscountNode] = field(default_factory=dict)
    customers: dict[int, Customer] = field(default_factory=dict)
    segments: dict[int, Segment] = field(default_factory=dict)
    validations: dict[int, Validation] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    metafields: dict[str, dict[tuple[str, str], Metafield]] = field(default_factory=dict)
    # Shopify Flow: the triggers received (flowTriggerReceive), oldest first.
    flow_triggers: list[dict[str, Any]] = field(default_factory=list)
    metafield_definitions: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    # Every accepted metafieldsSet call, in order: what tests assert about batching.
    metafield_writes: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    request_log: deque[RequestRecord] = field(
        default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE)
    )
    request_counts: Counter[str] = field(default_factory=Counter)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_000_001))

    def next_id(self) -> int:
        return next(self._ids)

    def live_token(self, token: str | None, now: datetime) -> AccessToken | None:
        found = self.access_tokens.get(token or "")
        return found if found is not None and found.live(now) else None

    def take_fault(self, target: str) -> Fault | None:
        """Pop the first queued fault meant for ``target``, leaving the others in order."""
        for fault in self.faults:
            if fault.target == target:
                self.faults.remove(fault)
                return fault
        return None

    def log(self, kind: str, detail: str, status: int, now: datetime) -> None:
        self.request_log.append(RequestRecord(now, kind, detail, status))
        self.request_counts[kind] += 1

    def discount_by_code(self, code: str) -> DiscountNode | None:
        wanted = code.casefold()
        return next((d for d in self.discounts.values() if d.code.casefold() == wanted), None)

    def owner_exists(self, owner_gid: str) -> bool:
        kind, _, number = owner_gid.removeprefix("gid://shopify/").partition("/")
        if not number.isdigit():
            return False
        if kind == "Shop":
            return int(number) == self.shop_id
        if kind == "Customer":
            return int(number) in self.customers
        if kind == "Validation":
            return int(number) in self.validations
        return kind == "Order" and int(number) in self.orders

    def snapshot(self, now: datetime) -> dict[str, Any]:
        """Everything a test or a curious developer wants to see, as JSON-ready data."""
        self.bucket.refill()
        return {
            "domain": self.domain,
            "shop": {
                "id": gid("Shop", self.shop_id),
                "name": self.info.name,
                "email": self.info.email,
                "currency_code": self.info.currency_code,
                "plan": self.info.plan,
            },
            "throttle": self.bucket.status(),
            "access_tokens": [
                {
                    "token_suffix": token.token[-4:],
                    "scope": list(token.scope),
                    "online": token.online,
                    "expires_at": isoformat(token.expires_at),
                    "live": token.live(now),
                }
                for token in self.access_tokens.values()
            ],
            "refresh_tokens": [
                {"expires_at": isoformat(token.expires_at), "live": token.live(now)}
                for token in self.refresh_tokens.values()
            ],
            "webhook_subscriptions": [
                {
                    "id": gid("WebhookSubscription", sub.id),
                    "topic": sub.topic,
                    "uri": sub.uri,
                    "format": sub.format,
                }
                for sub in self.webhook_subscriptions.values()
            ],
            "discounts": [
                {
                    "id": gid("DiscountCodeNode", node.id),
                    "kind": node.kind,
                    "title": node.title,
                    "code": node.code,
                    "status": node.status(now),
                    "context": node.context,
                    "value": node.value,
                    "usage_limit": node.usage_limit,
                    "applies_once_per_customer": node.applies_once_per_customer,
                    "starts_at": isoformat(node.starts_at),
                    "ends_at": isoformat(node.ends_at),
                    "combines_with": node.combines_with,
                    "maximum_shipping_price": node.maximum_shipping_price,
                    "minimum_requirement": node.minimum_requirement,
                }
                for node in self.discounts.values()
            ],
            "customers": [
                {
                    "id": gid("Customer", customer.id),
                    "email": customer.email,
                    "first_name": customer.first_name,
                    "last_name": customer.last_name,
                    "tags": list(customer.tags),
                    "metafields": {
                        f"{mf.namespace}.{mf.key}": {"type": mf.type, "value": mf.value}
                        for mf in self.metafields.get(gid("Customer", customer.id), {}).values()
                    },
                }
                for customer in self.customers.values()
            ],
            "metafield_definitions": [
                {
                    "id": definition["id"],
                    "owner_type": definition["ownerType"],
                    "namespace": definition["namespace"],
                    "key": definition["key"],
                    "type": definition["type"]["name"],
                    "name": definition["name"],
                    "access": definition["access"],
                }
                for definition in self.metafield_definitions.values()
            ],
            "metafield_writes": list(self.metafield_writes),
            "segments": [
                {"id": gid("Segment", seg.id), "name": seg.name, "query": seg.query}
                for seg in self.segments.values()
            ],
            "validations": [
                {
                    "id": gid("Validation", rule.id),
                    "title": rule.title,
                    "function_title": rule.function_title,
                    "enabled": rule.enabled,
                    "metafields": {
                        f"{mf.namespace}.{mf.key}": {"type": mf.type, "value": mf.value}
                        for mf in self.metafields.get(gid("Validation", rule.id), {}).values()
                    },
                }
                for rule in self.validations.values()
            ],
            "orders": len(self.orders),
            "flow_triggers": list(self.flow_triggers),
            "queued_faults": len(self.faults),
            "requests": dict(self.request_counts),
            "recent_requests": [
                {"at": isoformat(r.at), "kind": r.kind, "detail": r.detail, "status": r.status}
                for r in list(self.request_log)[-20:]
            ],
        }


class UnknownShop(LookupError):
    """The domain is not a valid ``*.myshopify.com`` shop domain."""


class StandinState:
    """All fake shops of one stand-in, plus the app credentials it was started with."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        app_url: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.app_url = app_url.rstrip("/") if app_url else None
        self.clock = clock
        self.lock = threading.RLock()
        self.shops: dict[str, ShopState] = {}
        self._shop_ids = itertools.count(60_000_001)

    def now(self) -> datetime:
        return self.clock()

    def shop(self, domain: str) -> ShopState:
        """The shop at ``domain``, created on first sight; raises :class:`UnknownShop`."""
        if not SHOP_DOMAIN.match(domain):
            raise UnknownShop(domain)
        key = domain.lower()
        with self.lock:
            existing = self.shops.get(key)
            if existing is not None:
                return existing
            handle = key.removesuffix(".myshopify.com")
            maximum, rate = PLAN_LIMITS[DEFAULT_PLAN]
            created = ShopState(
                domain=key,
                info=ShopInfo(
                    name=handle.replace("-", " ").title(),
                    email=f"owner@{handle}.example",
                ),
                bucket=ThrottleBucket(maximum, rate, maximum),
                shop_id=next(self._shop_ids),
            )
            self.shops[key] = created
            return created

    def reset(self) -> None:
        with self.lock:
            self.shops.clear()


def current_state() -> StandinState:
    """The :class:`StandinState` of the stand-in app serving this request."""
    state: StandinState = current_app.extensions[EXTENSION_KEY]
    return state


def current_shop(domain: str) -> ShopState:
    """The shop named in the URL of this request; 404 when it is not a shop domain."""
    try:
        return current_state().shop(domain)
    except UnknownShop:
        abort(404)
