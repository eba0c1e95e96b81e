"""The fake shop's records shaped as Shopify Admin GraphQL objects (plain dicts).

Each view carries ``__typename`` (and ``__implements`` for interfaces) so fragments such as
``... on DiscountCodeBasic`` select correctly. Fields with arguments are callables taking
the argument dict; connections page with opaque cursors like Shopify's.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from shopify_loyalty.standin.graphql_exec import FieldError
from shopify_loyalty.standin.state import (
    AccessToken,
    Customer,
    DiscountNode,
    Metafield,
    Order,
    Segment,
    ShopState,
    StandinState,
    Validation,
    WebhookSubscription,
    gid,
    isoformat,
)

MAX_PAGE_SIZE = 250
Item = TypeVar("Item")
SortKey = tuple[Any, int]


@dataclass(frozen=True)
class ResolveContext:
    """What a root-field resolver may use: the shop, the caller's token and the clock."""

    standin: StandinState
    shop: ShopState
    token: AccessToken
    now: datetime
    api_version: str


def require(args: Mapping[str, Any], name: str, field: str) -> Any:
    """A required argument, or Shopify's ``missingRequiredArguments`` error."""
    value = args.get(name)
    if value is None:
        raise FieldError(
            f"Field '{field}' is missing required arguments: {name}",
            code="missingRequiredArguments",
        )
    return value


def parse_gid(value: Any, kind: str) -> int | None:
    """The number in ``gid://shopify/<kind>/<n>``; None for a valid id of another type."""
    text = str(value)
    if not text.startswith("gid://shopify/"):
        raise FieldError(f"Invalid global id '{text}'")
    found_kind, _, number = text.removeprefix("gid://shopify/").partition("/")
    number = number.split("?", 1)[0]
    if not number.isdigit():
        raise FieldError(f"Invalid global id '{text}'")
    return int(number) if found_kind == kind else None


def user_error(
    field: Sequence[str | int] | None, message: str, code: str | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "field": list(field) if field is not None else None,
        "message": message,
    }
    if code is not None:
        entry["code"] = code
    return entry


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(cursor: str) -> SortKey:
    try:
        value, number = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise FieldError(f"Invalid cursor for current pagination sort: {cursor}") from None
    return (value, int(number))


def connection(
    items: Sequence[Item],
    args: Mapping[str, Any],
    view: Callable[[Item], dict[str, Any]],
    sort_key: Callable[[Item], SortKey],
) -> dict[str, Any]:
    """One page of ``items`` for ``first/after`` or ``last/before``, with ``reverse``."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise FieldError("you must provide one of first or last", code="missingRequiredArguments")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise FieldError(
                f"The '{name}' argument must be between 0 and {MAX_PAGE_SIZE}",
                code="argumentLiteralsIncompatible",
            )
    reverse = bool(args.get("reverse"))
    ordered = sorted(items, key=sort_key, reverse=reverse)
    if args.get("after"):
        after = decode_cursor(args["after"])
        ordered = [i for i in ordered if (sort_key(i) < after if reverse else sort_key(i) > after)]
    if args.get("before"):
        before = decode_cursor(args["before"])
        ordered = [
            i for i in ordered if (sort_key(i) > before if reverse else sort_key(i) < before)
        ]
    has_next = has_previous = False
    if first is not None:
        has_next = len(ordered) > first
        ordered = ordered[:first]
    if last is not None:
        has_previous = len(ordered) > last
        ordered = ordered[len(ordered) - last :] if last else []
    edges = [{"cursor": encode_cursor(sort_key(i)), "node": view(i)} for i in ordered]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous or bool(args.get("after")),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def by_id(item: Any) -> SortKey:
    return (item.id, item.id)


def by_moment(attribute: str) -> Callable[[Any], SortKey]:
    def key(item: Any) -> SortKey:
        return (isoformat(getattr(item, attribute)) or "", item.id)

    return key


def money(amount: str, currency: str) -> dict[str, Any]:
    return {"__typename": "MoneyV2", "amount": amount, "currencyCode": currency}


def money_bag(amount: str, currency: str) -> dict[str, Any]:
    return {"shopMoney": money(amount, currency), "presentmentMoney": money(amount, currency)}


def shop_view(shop: ShopState) -> dict[str, Any]:
    info = shop.info
    owner = gid("Shop", shop.shop_id)
    return {
        "__typename": "Shop",
        "__implements": ("Node", "HasMetafields"),
        "id": owner,
        "name": info.name,
        "email": info.email,
        "contactEmail": info.email,
        "myshopifyDomain": shop.domain,
        "url": f"https://{shop.domain}",
        "primaryDomain": {"host": shop.domain, "url": f"https://{shop.domain}", "sslEnabled": True},
        "currencyCode": info.currency_code,
        "enabledPresentmentCurrencies": [info.currency_code],
        "ianaTimezone": info.iana_timezone,
        "timezoneAbbreviation": "UTC",
        "plan": {
            "__typename": "ShopPlan",
            "displayName": info.plan,
            "publicDisplayName": info.plan,
            "partnerDevelopment": False,
            "shopifyPlus": info.plan in ("Shopify Plus", "Enterprise"),
        },
        **metafield_fields(shop, owner),
    }


def metafield_view(metafield: Metafield) -> dict[str, Any]:
    owner_type = metafield.owner_id.removeprefix("gid://shopify/").split("/")[0].upper()
    json_value: Any = metafield.value
    if metafield.type == "json":
        json_value = json.loads(metafield.value)
    return {
        "__typename": "Metafield",
        "__implements": ("Node",),
        "id": gid("Metafield", metafield.id),
        "namespace": metafield.namespace,
        "key": metafield.key,
        "type": metafield.type,
        "value": metafield.value,
        "jsonValue": json_value,
        "ownerType": owner_type,
        "owner": {"id": metafield.owner_id},
        "createdAt": metafield.created_at,
        "updatedAt": metafield.updated_at,
    }


def metafield_fields(shop: ShopState, owner: str) -> dict[str, Any]:
    """``metafield(namespace:, key:)`` and ``metafields(first:, namespace:)`` of one owner."""

    def one(args: Mapping[str, Any]) -> dict[str, Any] | None:
        found = shop.metafields.get(owner, {}).get((args.get("namespace") or "$app", args["key"]))
        return metafield_view(found) if found else None

    def many(args: Mapping[str, Any]) -> dict[str, Any]:
        fields = list(shop.metafields.get(owner, {}).values())
        if args.get("namespace"):
            fields = [f for f in fields if f.namespace == args["namespace"]]
        return connection(fields, args, metafield_view, by_id)

    return {"metafield": one, "metafields": many}


def customer_view(shop: ShopState, customer: Customer) -> dict[str, Any]:
    owner = gid("Customer", customer.id)
    display = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    return {
        "__typename": "Customer",
        "__implements": ("Node", "HasMetafields", "CommentEventSubject"),
        "id": owner,
        "legacyResourceId": str(customer.id),
        "email": customer.email,
        "defaultEmailAddress": {"emailAddress": customer.email} if customer.email else None,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "displayName": display or customer.email or "",
        "phone": customer.phone,
        "tags": list(customer.tags),
        "state": customer.state,
        "numberOfOrders": str(customer.number_of_orders),
        "amountSpent": money(customer.amount_spent, shop.info.currency_code),
        "createdAt": customer.created_at,
        "updatedAt": customer.updated_at,
        **metafield_fields(shop, owner),
    }


def order_view(shop: ShopState, order: Order) -> dict[str, Any]:
    owner = gid("Order", order.id)
    currency = order.currency_code

    def customer(_args: Mapping[str, Any]) -> dict[str, Any] | None:
        found = shop.customers.get(order.customer_id) if order.customer_id else None
        if found is not None:
            return customer_view(shop, found)
        if order.customer_id:
            return {"__typename": "Customer", "id": gid("Customer", order.customer_id)}
        return None

    return {
        "__typename": "Order",
        "__implements": ("Node", "HasMetafields", "CommentEventSubject"),
        "id": owner,
        "legacyResourceId": str(order.id),
        "name": order.name,
        "email": order.email,
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
        "processedAt": order.processed_at or order.created_at,
        "cancelledAt": order.cancelled_at,
        "closed": False,
        "test": order.test,
        "displayFinancialStatus": order.financial_status,
        "currencyCode": currency,
        "tags": list(order.tags),
        "discountCodes": list(order.discount_codes),
        "discountCode": order.discount_codes[0] if order.discount_codes else None,
        "totalPriceSet": money_bag(order.total_price, currency),
        "currentTotalPriceSet": money_bag(order.total_price, currency),
        "subtotalPriceSet": money_bag(order.subtotal_price, currency),
        "currentSubtotalPriceSet": money_bag(order.subtotal_price, currency),
        "totalRefundedSet": money_bag(order.total_refunded, currency),
        "customer": customer,
        **metafield_fields(shop, owner),
    }


def subscription_view(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "__typename": "WebhookSubscription",
        "__implements": ("Node", "LegacyInteroperability"),
        "id": gid("WebhookSubscription", subscription.id),
        "legacyResourceId": str(subscription.id),
        "topic": subscription.topic,
        "format": subscription.format,
        "uri": subscription.uri,
        "callbackUrl": subscription.uri,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": subscription.uri},
        "includeFields": list(subscription.include_fields),
        "filter": subscription.filter,
        "createdAt": subscription.created_at,
        "updatedAt": subscription.updated_at,
    }


def segment_view(segment: Segment) -> dict[str, Any]:
    return {
        "__typename": "Segment",
        "__implements": ("Node",),
        "id": gid("Segment", segment.id),
        "name": segment.name,
        "query": segment.query,
        "creationDate": segment.created_at,
        "lastEditDate": segment.updated_at,
    }


def validation_view(shop: ShopState, rule: Validation) -> dict[str, Any]:
    owner = gid("Validation", rule.id)
    return {
        "__typename": "Validation",
        "__implements": ("Node", "HasMetafields"),
        "id": owner,
        "title": rule.title,
        "enabled": rule.enabled,
        "blockOnFailure": False,
        "shopifyFunction": {
            "__typename": "ShopifyFunction",
            "id": f"standin-function-{rule.function_title.lower().replace(' ', '-')}",
            "title": rule.function_title,
            "apiType": "cart_checkout_validation",
        },
        **metafield_fields(shop, owner),
    }


def discount_node_view(shop: ShopState, node: DiscountNode, now: datetime) -> dict[str, Any]:
    return {
        "__typename": "DiscountCodeNode",
        "__implements": ("Node", "HasMetafields", "HasEvents"),
        "id": gid("DiscountCodeNode", node.id),
        "codeDiscount": code_discount_view(shop, node, now),
        **metafield_fields(shop, gid("DiscountCodeNode", node.id)),
    }


def code_discount_view(shop: ShopState, node: DiscountNode, now: datetime) -> dict[str, Any]:
    currency = shop.info.currency_code
    redeem_code = {
        "__typename": "DiscountRedeemCode",
        "id": gid("DiscountRedeemCode", node.code_id),
        "code": node.code,
        "asyncUsageCount": node.async_usage_count,
    }

    def codes(args: Mapping[str, Any]) -> dict[str, Any]:
        return connection([node], args, lambda _n: redeem_code, by_id)

    view: dict[str, Any] = {
        "__typename": "DiscountCodeBasic" if node.kind == "basic" else "DiscountCodeFreeShipping",
        "title": node.title,
        "status": node.status(now),
        "summary": _summary(node),
        "startsAt": node.starts_at,
        "endsAt": node.ends_at,
        "createdAt": node.created_at,
        "updatedAt": node.updated_at,
        "usageLimit": node.usage_limit,
        "appliesOncePerCustomer": node.applies_once_per_customer,
        "asyncUsageCount": node.async_usage_count,
        "codesCount": {"count": 1, "precision": "EXACT"},
        "codes": codes,
        "context": _context_view(shop, node.context),
        "customerSelection": _customer_selection_view(shop, node.context),
        "combinesWith": {
            "orderDiscounts": bool(node.combines_with.get("orderDiscounts")),
            "productDiscounts": bool(node.combines_with.get("productDiscounts")),
            "shippingDiscounts": bool(node.combines_with.get("shippingDiscounts")),
        },
        "minimumRequirement": _minimum_view(node.minimum_requirement, currency),
        "discountClass": "ORDER" if node.kind == "basic" else "SHIPPING",
        "discountClasses": ["ORDER"] if node.kind == "basic" else ["SHIPPING"],
        "hasTimelineComment": False,
    }
    if node.kind == "basic":
        view["customerGets"] = {
            "value": _value_view(node.value or {}, currency),
            "items": {"__typename": "AllDiscountItems", "allItems": True},
            "appliesOnOneTimePurchase": True,
            "appliesOnSubscription": False,
        }
    else:
        view["destinationSelection"] = {"__typename": "DiscountCountryAll", "allCountries": True}
        view["maximumShippingPrice"] = (
            money(node.maximum_shipping_price, currency) if node.maximum_shipping_price else None
        )
    return view


def _summary(node: DiscountNode) -> str:
    value = node.value or {}
    if node.kind != "basic":
        headline = "Free shipping on all products"
    elif "percentage" in value:
        headline = f"{round(float(value['percentage']) * 100, 2):g}% off entire order"
    elif "discountAmount" in value:
        headline = f"{value['discountAmount'].get('amount')} off entire order"
    else:
        headline = "Discount on entire order"
    if node.applies_once_per_customer:
        headline += " • One use per customer"
    return headline


def _value_view(value: Mapping[str, Any], currency: str) -> dict[str, Any] | None:
    if "percentage" in value:
        return {"__typename": "DiscountPercentage", "percentage": float(value["percentage"])}
    if "discountAmount" in value:
        amount = value["discountAmount"]
        return {
            "__typename": "DiscountAmount",
            "amount": money(str(amount.get("amount")), currency),
            "appliesOnEachItem": bool(amount.get("appliesOnEachItem")),
        }
    return None


def _context_view(shop: ShopState, context: Mapping[str, Any]) -> dict[str, Any]:
    if "customers" in context:
        return {
            "__typename": "DiscountCustomers",
            "customers": [_customer_ref(shop, ref) for ref in context["customers"]],
        }
    if "customerSegments" in context:
        return {
            "__typename": "DiscountCustomerSegments",
            "segments": [_segment_ref(shop, ref) for ref in context["customerSegments"]],
        }
    return {"__typename": "DiscountBuyerSelection", "all": "ALL"}


def _customer_selection_view(shop: ShopState, context: Mapping[str, Any]) -> dict[str, Any]:
    view = _context_view(shop, context)
    if view["__typename"] == "DiscountBuyerSelection":
        return {"__typename": "DiscountCustomerAll", "allCustomers": True}
    return view


def _customer_ref(shop: ShopState, ref: str) -> dict[str, Any]:
    number = ref.rsplit("/", 1)[-1]
    found = shop.customers.get(int(number)) if number.isdigit() else None
    return customer_view(shop, found) if found else {"__typename": "Customer", "id": ref}


def _segment_ref(shop: ShopState, ref: str) -> dict[str, Any]:
    number = ref.rsplit("/", 1)[-1]
    found = shop.segments.get(int(number)) if number.isdigit() else None
    return segment_view(found) if found else {"__typename": "Segment", "id": ref}


def _minimum_view(minimum: Mapping[str, Any] | None, currency: str) -> dict[str, Any] | None:
    if not minimum:
        return None
    if "quantity" in minimum:
        return {
            "__typename": "DiscountMinimumQuantity",
            "greaterThanOrEqualToQuantity": str(
                minimum["quantity"].get("greaterThanOrEqualToQuantity")
            ),
        }
    if "subtotal" in minimum:
        return {
            "__typename": "DiscountMinimumSubtotal",
            "greaterThanOrEqualToSubtotal": money(
                str(minimum["subtotal"].get("greaterThanOrEqualToSubtotal")), currency
            ),
        }
    return None
