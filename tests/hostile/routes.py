"""The inventory of every route the app serves, each classified by who may call it.

Every ``METHOD rule`` of the Flask url_map must have an entry here: a new route fails
``test_routes_inventory`` until someone decides how it is authenticated and what a second
shop may try against it. ``test_tenant_isolation`` then walks every entry with the second
shop's credentials and the first shop's ids.

Kinds:
- ``admin_api``: JSON API, App Bridge session token (``Authorization: Bearer``).
- ``admin_page``: server-rendered admin page, session token; POSTs carry the CSRF token.
- ``proxy``: the storefront's app proxy, Shopify's signature; the shopper is signed.
- ``webhook``: Shopify's signed deliveries.
- ``flow``: Shopify Flow action requests, signed like webhooks; the body names the shop.
- ``secret_link``: the link itself is the credential (affiliate portal, unsubscribe link).
- ``click``: counted affiliate click links, named by code and shop.
- ``public``: no shop's data (health, the widget file, static files, install, login forms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADMIN_API = "admin_api"
ADMIN_PAGE = "admin_page"
PROXY = "proxy"
WEBHOOK = "webhook"
SECRET_LINK = "secret_link"
CLICK = "click"
PUBLIC = "public"
FLOW = "flow"
KINDS = (ADMIN_API, ADMIN_PAGE, PROXY, WEBHOOK, FLOW, SECRET_LINK, CLICK, PUBLIC)


@dataclass(frozen=True)
class Probe:
    """How the tenant walk calls one route: its kind, and a body that would change the first
    shop's data if the route did not scope by the caller's shop."""

    kind: str
    json: Any = None
    form: dict[str, str] | None = None
    data: str | None = None
    query: str = ""
    params: dict[str, str] = field(default_factory=dict)
    # With the first shop's own credentials the answer shows its data (proves the walk can
    # tell a leak when there is one).
    shows_own_data: bool = False


ADJUSTMENT = {"points": 50, "reason": "Tenant walk"}
AFFILIATE = {
    "name": "Walker",
    "email": "walker@example.com",
    "commission_kind": "percentage",
    "commission_value": "5",
    "payout_method": "paypal",
    "payout_details": "walker@example.com",
}

OFFER = {
    "title": "Walk",
    "code": "WALKOFFER",
    "kind": "percentage",
    "value": "10",
    "audiences": ["members"],
}
WINDOW = {"title": "Walk", "audiences": ["members"]}

ROUTES: dict[str, Probe] = {
    # -- Shopify --------------------------------------------------------------------------
    "POST /webhooks": Probe(WEBHOOK),
    "POST /webhooks/compliance": Probe(WEBHOOK),
    "GET /auth/install": Probe(PUBLIC, query="shop={shop}"),
    "GET /auth/callback": Probe(PUBLIC, query="shop={shop}&code=x&state=y&hmac=z&timestamp=1"),
    "GET /healthz": Probe(PUBLIC),
    "GET /widget.js": Probe(PUBLIC),
    "GET /static/<path:filename>": Probe(PUBLIC, params={"filename": "nothing.txt"}),
    # -- merchant JSON API ----------------------------------------------------------------
    "GET /admin/api/customers": Probe(ADMIN_API, query="q=annelie", shows_own_data=True),
    "GET /admin/api/customers/<int:shopify_customer_id>": Probe(ADMIN_API, shows_own_data=True),
    "POST /admin/api/customers/<int:shopify_customer_id>/adjustments": Probe(
        ADMIN_API, json=ADJUSTMENT
    ),
    "POST /admin/api/customers/<int:shopify_customer_id>/redemptions": Probe(
        ADMIN_API, json={"reward_id": "{reward_id}"}
    ),
    "GET /admin/api/rewards": Probe(ADMIN_API, shows_own_data=True),
    "POST /admin/api/rewards": Probe(ADMIN_API, json={"kind": "free_shipping", "points_cost": 100}),
    "PUT /admin/api/rewards/<int:reward_id>": Probe(ADMIN_API, json={"points_cost": 1}),
    "DELETE /admin/api/rewards/<int:reward_id>": Probe(ADMIN_API),
    "GET /admin/api/settings": Probe(ADMIN_API),
    "GET /admin/api/settings/<section>": Probe(ADMIN_API),
    "PUT /admin/api/settings/<section>": Probe(ADMIN_API, json={"signup_bonus": 7}),
    "GET /admin/api/privacy/exports": Probe(ADMIN_API),
    "GET /admin/api/privacy/exports/<int:export_id>": Probe(ADMIN_API, shows_own_data=True),
    "GET /admin/api/affiliates": Probe(ADMIN_API, shows_own_data=True),
    "POST /admin/api/affiliates": Probe(ADMIN_API, json=AFFILIATE),
    "GET /admin/api/affiliates/<int:affiliate_id>": Probe(ADMIN_API, shows_own_data=True),
    "PUT /admin/api/affiliates/<int:affiliate_id>": Probe(ADMIN_API, json={"name": "Taken"}),
    "DELETE /admin/api/affiliates/<int:affiliate_id>": Probe(ADMIN_API),
    "POST /admin/api/affiliates/<int:affiliate_id>/codes": Probe(
        ADMIN_API, json={"code": "WALK10", "discount_kind": "percentage", "discount_value": "10"}
    ),
    "GET /admin/api/affiliates/<int:affiliate_id>/conversions": Probe(ADMIN_API),
    "POST /admin/api/affiliates/<int:affiliate_id>/payouts": Probe(
        ADMIN_API, json={"until": "2030-01-01"}
    ),
    "POST /admin/api/affiliates/<int:affiliate_id>/portal-link": Probe(ADMIN_API),
    "POST /admin/api/affiliates/codes/<int:code_id>/pause": Probe(ADMIN_API),
    "POST /admin/api/affiliates/codes/<int:code_id>/resume": Probe(ADMIN_API),
    "GET /admin/api/affiliates/flags": Probe(ADMIN_API),
    "GET /admin/api/affiliates/payouts.csv": Probe(ADMIN_API, query="until=2030-01-01"),
    "GET /admin/api/affiliates/returns": Probe(
        ADMIN_API, query="from=2020-01-01&to=2030-01-01", shows_own_data=True
    ),
    "GET /admin/api/exports/customers": Probe(ADMIN_API, query="format=csv", shows_own_data=True),
    "POST /admin/api/imports/backfill": Probe(ADMIN_API, data="customer_id,email\n"),
    "POST /admin/api/imports/points": Probe(
        ADMIN_API, data="email,balance\nannelie.tenant-a@example.com,5000\n"
    ),
    "GET /admin/api/kpis": Probe(ADMIN_API, query="from=2020-01-01&to=2030-01-01"),
    "GET /admin/api/notifications/email": Probe(ADMIN_API),
    "PUT /admin/api/notifications/email": Probe(ADMIN_API, json={"enabled": False}),
    "GET /admin/api/segments": Probe(ADMIN_API),
    "GET /admin/api/segments/<name>/customers": Probe(ADMIN_API, params={"name": "new"}),
    "POST /admin/api/segments/sync": Probe(ADMIN_API, json={}),
    "GET /admin/api/storefront/embed": Probe(ADMIN_API),
    "GET /admin/api/terms": Probe(ADMIN_API, shows_own_data=True),
    "POST /admin/api/terms": Probe(ADMIN_API, json={"locale": "en", "text": "Taken over"}),
    "GET /admin/api/notifications/messages": Probe(ADMIN_API),
    "GET /admin/api/notifications/outbox": Probe(ADMIN_API),
    "GET /admin/api/notifications/previews/<kind>": Probe(ADMIN_API),
    "GET /admin/api/webhook-endpoints": Probe(ADMIN_API, shows_own_data=True),
    "POST /admin/api/webhook-endpoints": Probe(
        ADMIN_API, json={"url": "https://hooks.example.com/walk", "topics": ["tier.changed"]}
    ),
    "GET /admin/api/webhook-endpoints/<int:endpoint_id>": Probe(ADMIN_API, shows_own_data=True),
    "PUT /admin/api/webhook-endpoints/<int:endpoint_id>": Probe(
        ADMIN_API, json={"url": "https://taken.example.com/hooks"}
    ),
    "DELETE /admin/api/webhook-endpoints/<int:endpoint_id>": Probe(ADMIN_API),
    "POST /admin/api/webhook-endpoints/<int:endpoint_id>/rotate-secret": Probe(ADMIN_API),
    "GET /admin/api/webhook-endpoints/<int:endpoint_id>/deliveries": Probe(ADMIN_API),
    "POST /admin/api/webhook-endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver": (
        Probe(ADMIN_API)
    ),
    "GET /admin/api/jobs": Probe(ADMIN_API),
    "GET /admin/api/offers": Probe(ADMIN_API),
    "POST /admin/api/offers": Probe(ADMIN_API, json=OFFER),
    "GET /admin/api/offers/<int:offer_id>": Probe(ADMIN_API),
    "PUT /admin/api/offers/<int:offer_id>": Probe(ADMIN_API, json={"title": "Taken"}),
    "POST /admin/api/offers/<int:offer_id>/end": Probe(ADMIN_API),
    "GET /admin/api/early-access": Probe(ADMIN_API),
    "POST /admin/api/early-access": Probe(ADMIN_API, json=WINDOW),
    "GET /admin/api/early-access/<int:window_id>": Probe(ADMIN_API),
    "PUT /admin/api/early-access/<int:window_id>": Probe(ADMIN_API, json={"title": "Taken"}),
    "POST /admin/api/early-access/<int:window_id>/end": Probe(ADMIN_API),
    "GET /admin/api/perks/audiences": Probe(ADMIN_API),
    "GET /admin/api/perks/insights": Probe(ADMIN_API),
    # -- Shopify Flow ---------------------------------------------------------------------
    "POST /flow/actions/adjust-points": Probe(FLOW),
    # -- merchant admin pages -------------------------------------------------------------
    "GET /admin": Probe(ADMIN_PAGE),
    "GET /admin/": Probe(ADMIN_PAGE),
    "GET /admin/admin-static/<path:filename>": Probe(PUBLIC, params={"filename": "admin.css"}),
    "GET /admin/session-token": Probe(PUBLIC, query="shop={shop}&host=x"),
    "GET /admin/dev-login": Probe(PUBLIC),
    "POST /admin/dev-login": Probe(PUBLIC, form={"shop": "{first_shop}"}),
    "POST /admin/dev-logout": Probe(PUBLIC),
    "GET /admin/customers": Probe(ADMIN_PAGE, query="q=annelie", shows_own_data=True),
    "GET /admin/customers/<int:shopify_customer_id>": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/customers/<int:shopify_customer_id>": Probe(
        ADMIN_PAGE, form={"points": "50", "reason": "Tenant walk"}
    ),
    "GET /admin/settings": Probe(ADMIN_PAGE),
    "GET /admin/settings/<section>": Probe(ADMIN_PAGE),
    "POST /admin/settings/<section>": Probe(ADMIN_PAGE, form={"signup_bonus": "7"}),
    "GET /admin/insights": Probe(ADMIN_PAGE),
    "GET /admin/data": Probe(ADMIN_PAGE),
    "GET /admin/data/customers.csv": Probe(ADMIN_PAGE, shows_own_data=True),
    "GET /admin/data/kpis.csv": Probe(ADMIN_PAGE),
    "GET /admin/data/segments.csv": Probe(ADMIN_PAGE),
    "GET /admin/data/segments/<name>.csv": Probe(ADMIN_PAGE, params={"name": "new"}),
    "GET /admin/data/points-import": Probe(ADMIN_PAGE),
    "POST /admin/data/points-import": Probe(ADMIN_PAGE),
    "POST /admin/data/points-import/confirm": Probe(ADMIN_PAGE, form={"payload": "", "digest": ""}),
    "GET /admin/rewards": Probe(ADMIN_PAGE, shows_own_data=True),
    "GET /admin/rewards/new": Probe(ADMIN_PAGE),
    "POST /admin/rewards/new": Probe(
        ADMIN_PAGE, form={"kind": "free_shipping", "points_cost": "100"}
    ),
    "GET /admin/rewards/<int:reward_id>": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/rewards/<int:reward_id>": Probe(
        ADMIN_PAGE, form={"kind": "free_shipping", "points_cost": "1"}
    ),
    "POST /admin/rewards/<int:reward_id>/archive": Probe(ADMIN_PAGE),
    "GET /admin/terms": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/terms": Probe(ADMIN_PAGE, form={"locale": "en", "text": "Taken over"}),
    "GET /admin/affiliates": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/affiliates": Probe(ADMIN_PAGE, form=AFFILIATE),
    "GET /admin/affiliates/<int:affiliate_id>": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/affiliates/<int:affiliate_id>/archive": Probe(ADMIN_PAGE),
    "POST /admin/affiliates/<int:affiliate_id>/codes": Probe(
        ADMIN_PAGE, form={"code": "WALK10", "discount_kind": "percentage", "discount_value": "10"}
    ),
    "POST /admin/affiliates/<int:affiliate_id>/payouts": Probe(
        ADMIN_PAGE, form={"until": "2030-01-01"}
    ),
    "POST /admin/affiliates/<int:affiliate_id>/portal-link": Probe(ADMIN_PAGE),
    "POST /admin/affiliates/codes/<int:code_id>/<any(pause, resume):action>": Probe(
        ADMIN_PAGE, params={"action": "pause"}
    ),
    "GET /admin/affiliates/payouts.csv": Probe(ADMIN_PAGE, query="until=2030-01-01"),
    "GET /admin/perks": Probe(ADMIN_PAGE),
    "POST /admin/perks/offers": Probe(ADMIN_PAGE, form={"title": "Walk", "code": "WALKOFFER"}),
    "POST /admin/perks/offers/<int:offer_id>/end": Probe(ADMIN_PAGE),
    "POST /admin/perks/early-access": Probe(ADMIN_PAGE, form={"title": "Walk"}),
    "POST /admin/perks/early-access/<int:window_id>/end": Probe(ADMIN_PAGE),
    "GET /admin/notifications": Probe(ADMIN_PAGE),
    "GET /admin/notifications/previews/<kind>": Probe(ADMIN_PAGE),
    "POST /admin/notifications/switches": Probe(
        ADMIN_PAGE, form={"kind": "welcome", "enabled": "0"}
    ),
    "GET /admin/webhooks": Probe(ADMIN_PAGE, shows_own_data=True),
    "POST /admin/webhooks": Probe(
        ADMIN_PAGE, form={"url": "https://hooks.example.com/walk", "topics": "tier.changed"}
    ),
    "POST /admin/webhooks/<int:endpoint_id>/<any(pause, resume):change>": Probe(ADMIN_PAGE),
    "POST /admin/webhooks/<int:endpoint_id>/delete": Probe(ADMIN_PAGE),
    "POST /admin/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver": Probe(
        ADMIN_PAGE
    ),
    "POST /admin/webhooks/<int:endpoint_id>/rotate": Probe(ADMIN_PAGE),
    # -- storefront (app proxy) -----------------------------------------------------------
    "GET /proxy/api/program": Probe(PROXY, shows_own_data=True),
    "GET /proxy/api/me": Probe(PROXY, shows_own_data=True),
    "GET /proxy/api/history": Probe(PROXY),
    "GET /proxy/api/early-access": Probe(PROXY),
    "POST /proxy/api/redeem": Probe(PROXY, json={"reward_id": "{reward_id}"}),
    "POST /proxy/api/birthday": Probe(PROXY, json={"birthday": "1990-05-17"}),
    "POST /proxy/api/feedback": Probe(
        PROXY,
        json={
            "order_id": "{order_id}",
            "satisfaction": "dissatisfied",
            "recommendation_score": 0,
            "comment": "Taken",
        },
    ),
    "GET /proxy/r/<code>": Probe(PROXY, params={"code": "{referral_code}"}),
    "GET /proxy/a/click/<code>": Probe(CLICK),
    # -- affiliates and shoppers by link --------------------------------------------------
    "GET /a/click/<code>": Probe(CLICK, query="shop={shop}"),
    "GET /a/<token>": Probe(SECRET_LINK),
    "GET /a/<token>.json": Probe(SECRET_LINK),
    "GET /notifications/unsubscribe/<token>": Probe(SECRET_LINK),
    "POST /notifications/unsubscribe/<token>": Probe(SECRET_LINK),
}


def route_key(method: str, rule: str) -> str:
    return f"{method} {rule}"


def served_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, rule) the app answers, HEAD and OPTIONS aside."""
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    return sorted(found, key=lambda pair: (pair[1], pair[0]))
