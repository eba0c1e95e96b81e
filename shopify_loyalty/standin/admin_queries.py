"""Query root fields of the fake Admin API: shop, customers, orders, discounts, webhooks.

Each resolver takes the :class:`ResolveContext` and the field's arguments and returns a view
dict (or a connection); the caller holds the state lock. Connections take Shopify's
``first/after``, ``last/before``, ``reverse``, ``sortKey`` and ``query`` arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shopify_loyalty.standin.admin_objects import (
    ResolveContext,
    SortKey,
    by_id,
    by_moment,
    connection,
    customer_view,
    discount_node_view,
    order_view,
    parse_gid,
    require,
    segment_view,
    shop_view,
    subscription_view,
    validation_view,
)
from shopify_loyalty.standin.search import matches
from shopify_loyalty.standin.state import Customer, DiscountNode, Order, Segment

Resolver = Callable[[ResolveContext, dict[str, Any]], Any]
QUERY_FIELDS: dict[str, Resolver] = {}


def query_field(name: str) -> Callable[[Resolver], Resolver]:
    def register(resolver: Resolver) -> Resolver:
        QUERY_FIELDS[name] = resolver
        return resolver

    return register


def _sort_key(args: Mapping[str, Any]) -> Callable[[Any], SortKey]:
    sort = args.get("sortKey", "ID")
    if sort == "CREATED_AT":
        return by_moment("created_at")
    if sort == "UPDATED_AT":
        return by_moment("updated_at")
    if sort == "PROCESSED_AT":
        return by_moment("processed_at")
    return by_id


@query_field("shop")
def shop(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return shop_view(ctx.shop)


@query_field("currentAppInstallation")
def current_app_installation(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "AppInstallation",
        "id": f"gid://shopify/AppInstallation/{ctx.shop.shop_id}",
        "accessScopes": [
            {"__typename": "AccessScope", "handle": scope} for scope in ctx.token.scope
        ],
        "launchUrl": f"https://{ctx.shop.domain}/admin/apps/{ctx.standin.api_key}",
    }


def _customer_matches(customer: Customer, query: str | None) -> bool:
    return matches(
        query,
        {
            "id": lambda: customer.id,
            "email": lambda: customer.email,
            "first_name": lambda: customer.first_name,
            "last_name": lambda: customer.last_name,
            "tag": lambda: customer.tags,
            "tag_not": lambda: customer.tags,
            "state": lambda: customer.state,
            "created_at": lambda: customer.created_at,
            "updated_at": lambda: customer.updated_at,
            "orders_count": lambda: customer.number_of_orders,
        },
        lambda: " ".join(p for p in (customer.email, customer.first_name, customer.last_name) if p),
    )


@query_field("customer")
def customer(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "customer"), "Customer")
    found = ctx.shop.customers.get(number) if number is not None else None
    return customer_view(ctx.shop, found) if found else None


@query_field("customers")
def customers(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [c for c in ctx.shop.customers.values() if _customer_matches(c, args.get("query"))]
    return connection(chosen, args, lambda c: customer_view(ctx.shop, c), _sort_key(args))


@query_field("customersCount")
def customers_count(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [c for c in ctx.shop.customers.values() if _customer_matches(c, args.get("query"))]
    return {"count": len(chosen), "precision": "EXACT"}


def _order_matches(order: Order, query: str | None) -> bool:
    return matches(
        query,
        {
            "id": lambda: order.id,
            "name": lambda: order.name,
            "email": lambda: order.email,
            "customer_id": lambda: order.customer_id,
            "financial_status": lambda: order.financial_status,
            "status": lambda: "cancelled" if order.cancelled_at else "open",
            "tag": lambda: order.tags,
            "discount_code": lambda: order.discount_codes,
            "test": lambda: str(order.test).lower(),
            "created_at": lambda: order.created_at,
            "updated_at": lambda: order.updated_at,
            "processed_at": lambda: order.processed_at or order.created_at,
        },
        lambda: " ".join(p for p in (order.name, order.email) if p),
    )


@query_field("order")
def order(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "order"), "Order")
    found = ctx.shop.orders.get(number) if number is not None else None
    return order_view(ctx.shop, found) if found else None


@query_field("orders")
def orders(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [o for o in ctx.shop.orders.values() if _order_matches(o, args.get("query"))]
    return connection(chosen, args, lambda o: order_view(ctx.shop, o), _sort_key(args))


@query_field("ordersCount")
def orders_count(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [o for o in ctx.shop.orders.values() if _order_matches(o, args.get("query"))]
    return {"count": len(chosen), "precision": "EXACT"}


@query_field("webhookSubscription")
def webhook_subscription(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "webhookSubscription"), "WebhookSubscription")
    found = ctx.shop.webhook_subscriptions.get(number) if number is not None else None
    return subscription_view(found) if found else None


@query_field("webhookSubscriptions")
def webhook_subscriptions(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = list(ctx.shop.webhook_subscriptions.values())
    if args.get("topics"):
        chosen = [s for s in chosen if s.topic in args["topics"]]
    address = args.get("uri") or args.get("callbackUrl")
    if address:
        chosen = [s for s in chosen if s.uri == address]
    if args.get("format"):
        chosen = [s for s in chosen if s.format == args["format"]]
    return connection(chosen, args, subscription_view, _sort_key(args))


def _discount_matches(node: DiscountNode, ctx: ResolveContext, query: str | None) -> bool:
    return matches(
        query,
        {
            "code": lambda: node.code,
            "title": lambda: node.title,
            "status": lambda: node.status(ctx.now),
            "discount_type": lambda: "code" if node.kind == "basic" else "free_shipping",
            "starts_at": lambda: node.starts_at,
            "ends_at": lambda: node.ends_at,
            "created_at": lambda: node.created_at,
            "updated_at": lambda: node.updated_at,
        },
        lambda: f"{node.title} {node.code}",
    )


@query_field("codeDiscountNode")
def code_discount_node(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "codeDiscountNode"), "DiscountCodeNode")
    found = ctx.shop.discounts.get(number) if number is not None else None
    return discount_node_view(ctx.shop, found, ctx.now) if found else None


@query_field("codeDiscountNodeByCode")
def code_discount_node_by_code(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    found = ctx.shop.discount_by_code(str(require(args, "code", "codeDiscountNodeByCode")))
    return discount_node_view(ctx.shop, found, ctx.now) if found else None


@query_field("codeDiscountNodes")
def code_discount_nodes(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [
        d for d in ctx.shop.discounts.values() if _discount_matches(d, ctx, args.get("query"))
    ]
    return connection(
        chosen, args, lambda d: discount_node_view(ctx.shop, d, ctx.now), _sort_key(args)
    )


@query_field("segment")
def segment(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "segment"), "Segment")
    found = ctx.shop.segments.get(number) if number is not None else None
    return segment_view(found) if found else None


def _segment_matches(found: Segment, query: str | None) -> bool:
    return matches(query, {"name": lambda: found.name}, lambda: found.name)


@query_field("segments")
def segments(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [s for s in ctx.shop.segments.values() if _segment_matches(s, args.get("query"))]
    return connection(chosen, args, segment_view, _sort_key(args))


@query_field("validations")
def validations(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    """The shop's checkout rules (those the merchant switched on in the checkout settings)."""
    rules = list(ctx.shop.validations.values())
    return connection(rules, args, lambda rule: validation_view(ctx.shop, rule), by_id)


@query_field("node")
def node(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    return resolve_node(ctx, str(require(args, "id", "node")))


@query_field("nodes")
def nodes(ctx: ResolveContext, args: dict[str, Any]) -> list[dict[str, Any] | None]:
    return [resolve_node(ctx, str(ref)) for ref in require(args, "ids", "nodes")]


def resolve_node(ctx: ResolveContext, ref: str) -> dict[str, Any] | None:
    """Any object by its global id, as ``node(id:)`` does."""
    kind = ref.removeprefix("gid://shopify/").split("/", 1)[0]
    lookups: dict[str, Resolver] = {
        "Customer": customer,
        "Order": order,
        "WebhookSubscription": webhook_subscription,
        "DiscountCodeNode": code_discount_node,
        "Segment": segment,
        "BulkOperation": _bulk.bulk_operation_node,
    }
    if kind == "Shop":
        return shop_view(ctx.shop) if parse_gid(ref, "Shop") == ctx.shop.shop_id else None
    resolver = lookups.get(kind)
    if resolver is None:
        parse_gid(ref, kind)
        return None
    result: dict[str, Any] | None = resolver(ctx, {"id": ref})
    return result


# Themes and bulk operations live in their own modules; importing them registers their
# query and mutation fields (and their control routes) here.
from shopify_loyalty.standin import bulk as _bulk  # noqa: E402
from shopify_loyalty.standin import themes as _themes  # noqa: E402, F401
